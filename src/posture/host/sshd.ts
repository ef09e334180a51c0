import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One effective sshd setting: where it came from, so the finding can point at the line to change. */
export interface SshdSetting {
  value: string;
  file: string | undefined;
  line: number | undefined;
  /** 'file': read from the config; 'sshd -T': sshd's own effective config; 'default': nothing set it. */
  origin: 'file' | 'sshd -T' | 'default';
}

export interface MatchOverride {
  criteria: string;
  keyword: string;
  value: string;
  file: string;
  line: number;
}

export interface SshdConfig {
  mainFile: string;
  settings: Map<string, SshdSetting>;
  /** Settings inside Match blocks: they apply to some connections only, and can re-enable what the global denies. */
  matches: MatchOverride[];
}

/** OpenSSH's compiled-in defaults (sshd_config(5), OpenSSH 7.0 and later) for the keywords we check. */
export const SSHD_DEFAULTS: Readonly<Record<string, string>> = {
  passwordauthentication: 'yes',
  permitrootlogin: 'prohibit-password',
  maxauthtries: '6',
  permitemptypasswords: 'no',
  port: '22',
  kbdinteractiveauthentication: 'yes',
};

const MAX_INCLUDE_DEPTH = 16;

/** Expands an Include argument (globs, relative to /etc/ssh) inside `root`. */
function expandInclude(pattern: string, root: string): string[] {
  const abs = pattern.startsWith('/') ? pattern : `/etc/ssh/${pattern}`;
  const dir = path.posix.dirname(abs);
  const base = path.posix.basename(abs);
  if (!base.includes('*') && !base.includes('?')) return [path.join(root, abs)];
  const re = new RegExp(
    `^${base
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  let names: string[] = [];
  try {
    names = readdirSync(path.join(root, dir));
  } catch {
    return [];
  }
  return names
    .filter((n) => re.test(n))
    .sort()
    .map((n) => path.join(root, dir, n));
}

/**
 * Reads sshd_config the way sshd does: keywords are case-insensitive, the first value obtained wins, Include is
 * expanded in place (also inside Match), and a Match block lasts until the next Match or the end of the file.
 */
export function readSshdConfig(root: string, main = '/etc/ssh/sshd_config'): SshdConfig | undefined {
  const mainPath = path.join(root, main);
  if (!existsSync(mainPath)) return undefined;
  const cfg: SshdConfig = { mainFile: mainPath, settings: new Map(), matches: [] };
  const seen = new Set<string>();
  const readFile = (file: string, depth: number, matchIn: string | undefined): string | undefined => {
    if (depth > MAX_INCLUDE_DEPTH || seen.has(file)) return matchIn;
    seen.add(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return matchIn;
    }
    let match = matchIn;
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const m = /^\s*([A-Za-z]+)(?:\s*=\s*|\s+)(.*?)\s*$/.exec(lines[i]!);
      if (!m || lines[i]!.trimStart().startsWith('#')) continue;
      const key = m[1]!.toLowerCase();
      const value = m[2]!.replace(/^"(.*)"$/, '$1');
      if (key === 'match') {
        match = value.toLowerCase() === 'all' ? undefined : value;
        continue;
      }
      if (key === 'include') {
        for (const inc of value.split(/\s+/))
          for (const f of expandInclude(inc, root)) match = readFile(f, depth + 1, match);
        continue;
      }
      if (match !== undefined) {
        cfg.matches.push({ criteria: match, keyword: key, value, file, line: i + 1 });
      } else if (!cfg.settings.has(key)) {
        cfg.settings.set(key, { value, file, line: i + 1, origin: 'file' });
      }
    }
    return match;
  };
  readFile(mainPath, 0, undefined);
  for (const [k, v] of Object.entries(SSHD_DEFAULTS))
    if (!cfg.settings.has(k))
      cfg.settings.set(k, { value: v, file: undefined, line: undefined, origin: 'default' });
  return cfg;
}

/**
 * `sshd -T` prints the effective configuration (defaults, Includes and the global section resolved). It needs root
 * and host keys, so it is tried only for the live host and silently skipped when it fails.
 */
export function sshdEffective(cfg: SshdConfig, sshdPath = '/usr/sbin/sshd'): SshdConfig {
  if (!existsSync(sshdPath)) return cfg;
  let out: string;
  try {
    out = execFileSync(sshdPath, ['-T', '-f', cfg.mainFile], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return cfg;
  }
  for (const line of out.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1]!;
    const prev = cfg.settings.get(key);
    cfg.settings.set(key, {
      value: m[2]!,
      file: prev?.origin === 'file' ? prev.file : undefined,
      line: prev?.origin === 'file' ? prev.line : undefined,
      origin: 'sshd -T',
    });
  }
  return cfg;
}
