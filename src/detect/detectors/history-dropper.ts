import type { Severity } from '../../model/severity.js';
import type { Detector, RuleMeta } from '../detector.js';
import { num, str } from './fields.js';
import { fileEntity } from './file-lines.js';

const meta: RuleMeta = {
  id: 'exec.history-dropper',
  title: 'Shell history holds the commands of a cryptojacking dropper',
  severity: 'high',
  confidence: 0.75,
  category: 'execution',
  techniques: ['T1059.004', 'T1105', 'T1496'],
  recommendation:
    'Read the listed lines: they say what was downloaded, killed, unlocked or hidden, and from where. Treat the account as used by an intruder, follow each line to its file or host, and check the other findings of the incident.',
  falsePositives:
    "A developer's `curl | sh` installer from a vendor not on the list, administrators cleaning up after a miner (pkill xmrig, chattr -i), or notes pasted into a shell.",
};

/** What a line shows, by pattern. Each pattern says one thing; a line may say several. */
const TAGS: ReadonlyArray<{ tag: string; re: RegExp; strong: boolean }> = [
  {
    tag: 'download-to-shell',
    re: /\b(curl|wget|fetch|tftp|busybox\s+wget|lwp-download)\b[^\n]*\|\s*(sudo\s+)?(ba|da|z|k|a)?sh\b|\b(ba|da|z)?sh\s+(-c\s+)?["']?\$\((curl|wget)\b|\b(ba|da|z)?sh\s+<\(\s*(curl|wget)\b/,
    strong: true,
  },
  {
    tag: 'decode-to-shell',
    re: /\bbase64\s+(-d|--decode|-di)\b[^\n]*\|\s*(sudo\s+)?(ba|da|z|a)?sh\b/,
    strong: true,
  },
  { tag: 'stratum-url', re: /\bstratum\d?\+(tcp|ssl|tls):\/\//i, strong: true },
  {
    tag: 'ld-preload-edit',
    re: /(>>?|\btee\s+(-a\s+)?|\b(cp|mv|install|ln\s+-s\S*)\s+\S+\s+|\bsed\s+-i\S*\s+[^\n]*)\s*\/etc\/ld\.so\.preload\b/,
    strong: true,
  },
  {
    tag: 'rival-kill',
    re: /\b(pkill|killall)\s+(-\S+\s+)*[^\n|;]{0,40}\b(xmrig|xmr-stak|kdevtmpfsi|kinsing|sysupdate|networkservice|sysguard|kworkerds|kthreaddi|ddgs|minerd|cpuminer|cryptonight|dbused|phpguard|kerberods|watchbog|zigw)\b|\bgrep\s+[^\n]{0,60}\b(xmrig|kdevtmpfsi|kinsing|kworkerds|minerd|cryptonight|stratum)\b[^\n]{0,160}\b(kill|xargs)\b/i,
    strong: true,
  },
  {
    tag: 'known-hosts-loop',
    re: /\b(for|while|xargs)\b[^\n]{0,200}known_hosts[^\n]{0,300}\b(ssh|scp)\b|known_hosts[^\n]{0,300}\b(ssh|scp)\b[^\n]{0,200}(StrictHostKeyChecking=no|BatchMode=yes)/,
    strong: true,
  },
  { tag: 'chattr-immutable', re: /\bchattr\s+(-R\s+)?[-+][aeiu]*i[aeiu]*\b/, strong: false },
  {
    tag: 'history-cleared',
    re: /\bhistory\s+-c\b|\bunset\s+HISTFILE\b|HISTFILE=\/dev\/null|HISTSIZE=0\b|(rm|shred|truncate)\s+[^\n;|]*\.(bash|zsh|ash|sh)_history/,
    strong: false,
  },
];

/**
 * Installers that vendors publish as `curl | sh`: a developer's history is full of them, so alone they say
 * nothing. Matched on the URL's host (and path where the host serves anyone's files).
 */
const VENDOR_INSTALLERS: readonly RegExp[] = [
  /https?:\/\/sh\.rustup\.rs\b/,
  /https?:\/\/get\.docker\.com\b/,
  /https?:\/\/(deb|rpm)\.nodesource\.com\//,
  /https?:\/\/raw\.githubusercontent\.com\/(nvm-sh\/nvm|Homebrew\/install|helm\/helm)\//,
  /https?:\/\/install\.python-poetry\.org\b/,
  /https?:\/\/(astral\.sh\/uv|bun\.sh\/install|deno\.land\/install\.sh|get\.k3s\.io|tailscale\.com\/install\.sh|ollama\.com\/install\.sh|sdk\.cloud\.google\.com)\b/,
];

/** Absolute paths of at least two components, not inside /dev, /proc or /sys, and not a URL's path. */
const PATH = /(?<![\w.~:/-])\/(?!(?:dev|proc|sys)\/)[\w.+@%-]+(?:\/[\w.+@%-]+)+/g;
const MAX_PATHS = 20;
const MAX_LINES = 20;
const MAX_TEXT = 300;
const MAX_COMMAND = 2048;
/** A history with this share of NUL bytes is not text (corrupt, or not a history at all): not read. */
const MAX_NUL_SHARE = 0.05;

interface HistoryLine {
  line: number | null;
  text: string;
  tags: string[];
}

/** A download run by a shell, other than a vendor's installer, in any of the line's commands. */
function downloadToShell(re: RegExp, cmd: string): boolean {
  return cmd.split(/;|&&|\|\|/).some((part) => re.test(part) && !VENDOR_INSTALLERS.some((v) => v.test(part)));
}

/** zsh's extended history prefixes each command with ": <epoch>:<elapsed>;". */
function commandOf(raw: string): string {
  return raw.replace(/^: \d+:\d+;/, '');
}

/**
 * Shell history (bash, zsh, ash; every home and root's) read for what droppers type: a download piped to a shell,
 * a decoded blob run, a pool URL, /etc/ld.so.preload written, rivals' miners killed, ssh over known_hosts, files
 * unlocked with chattr,
 * history wiped. Each listed line keeps its file line number. Severity follows the evidence: a strong sign is high,
 * three different signs are critical, only chattr or a history wipe is medium.
 */
export const historyDropper: Detector = {
  meta,
  kinds: ['file'],
  detect(e) {
    if (str(e, 'file.kind') !== 'shell-history') return null;
    const content = str(e, 'file.content') ?? '';
    let nul = 0;
    for (let i = content.indexOf('\u0000'); i >= 0; i = content.indexOf('\u0000', i + 1)) nul++;
    if (content.length > 0 && nul / content.length > MAX_NUL_SHARE) return null;
    const first = num(e, 'file.firstLine');
    const found: HistoryLine[] = [];
    const tagsSeen = new Set<string>();
    const paths = new Set<string>();
    let strong = false;
    let matchedLines = 0;
    const lines = content.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i] ?? '';
      if (raw.length === 0 || raw.includes('\u0000')) continue;
      // Commands are short; the cap keeps a hostile line from making the patterns backtrack over megabytes.
      const cmd = commandOf(raw).slice(0, MAX_COMMAND);
      const tags = TAGS.filter((t) =>
        t.tag === 'download-to-shell' ? downloadToShell(t.re, cmd) : t.re.test(cmd),
      );
      if (!tags.length) continue;
      matchedLines++;
      for (const p of cmd.match(PATH) ?? []) if (paths.size < MAX_PATHS) paths.add(p);
      for (const t of tags) {
        tagsSeen.add(t.tag);
        strong ||= t.strong;
      }
      if (found.length < MAX_LINES)
        found.push({
          line: first === undefined ? null : first + i,
          text: cmd.length > MAX_TEXT ? `${cmd.slice(0, MAX_TEXT)}…` : cmd,
          tags: tags.map((t) => t.tag),
        });
    }
    if (!found.length) return null;
    const severity: Severity = tagsSeen.size >= 3 ? 'critical' : strong ? 'high' : 'medium';
    return {
      entity: fileEntity(e),
      evidence: {
        path: str(e, 'file.path'),
        signs: [...tagsSeen].sort(),
        // the files these commands touched: the incident joins the processes and files they name
        paths: [...paths],
        matchedLines,
        lines: found,
        ...(first !== undefined && first > 1 ? { readFromLine: first } : {}),
        ...(first === undefined ? { lineNumbers: 'unknown (history too large to count)' } : {}),
      },
      severity,
      confidence: severity === 'medium' ? 0.55 : meta.confidence,
    };
  },
};
