import { normalizeListDomain } from './domain-name.js';
import { type ParsedNet, parseNet } from './ip-set.js';

export type ListFormat = 'plain' | 'hosts' | 'adblock' | 'ip';

export type ListEntry =
  | { kind: 'domain'; domain: string; line: number }
  | { kind: 'ip' | 'cidr'; net: ParsedNet; text: string; line: number };

export interface ListParseResult {
  entries: ListEntry[];
  /** The format most entries were written in ('plain' for an empty list). */
  format: ListFormat;
  /** Lines that held something but no usable indicator (URL paths, cosmetic filters, single labels ...). */
  skipped: number;
  /** The first few skipped lines, with their line numbers, so a user can see why. */
  skippedSamples: { line: number; text: string }[];
  /** Version and date when the list header states them (`! Version: 227`, `# Last modified: ...`). */
  headerVersion?: string;
  headerDate?: string;
}

/** Addresses hosts files point blocked names at: they say "blocked", they are not indicators themselves. */
const SINK_ADDRESSES = new Set(['0.0.0.0', '127.0.0.1', '::', '::1', '0', '255.255.255.255']);
const MAX_SAMPLES = 10;
const MAX_LINE = 4096;

function adblockHost(rule: string): string | null {
  // `||host^...`: the host ends at the separator `^`, at `$` options, or at the end; a `/` means a URL-path rule,
  // which names a script on a site, not the site as a whole.
  let end = rule.length;
  for (let i = 2; i < rule.length; i++) {
    const c = rule[i];
    if (c === '^' || c === '$' || c === '|') {
      end = i;
      break;
    }
    if (c === '/' || c === '?' || c === '=') return null;
  }
  const host = rule.slice(2, end);
  return host.includes('*') && !host.startsWith('*.') ? null : host;
}

/**
 * Reads a pool list in any of the formats in common use, detected line by line: plain (`domain`), hosts
 * (`0.0.0.0 domain`), Adblock (`||domain^$options`), and IP or CIDR lines. Comments (`#`, `!`, `[...]`) are ignored.
 */
export function parseListText(text: string): ListParseResult {
  const entries: ListEntry[] = [];
  const counts: Record<ListFormat, number> = { plain: 0, hosts: 0, adblock: 0, ip: 0 };
  const samples: { line: number; text: string }[] = [];
  let skipped = 0;
  let headerVersion: string | undefined;
  let headerDate: string | undefined;
  const skip = (line: number, t: string): void => {
    skipped++;
    if (samples.length < MAX_SAMPLES) samples.push({ line, text: t.slice(0, 200) });
  };

  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const raw = text.slice(pos, nl);
    pos = nl + 1;
    lineNo++;
    const line = raw.trim();
    if (line === '') {
      if (nl === text.length) break;
      continue;
    }
    const c0 = line[0];
    if (c0 === '#' || c0 === '!' || c0 === '[') {
      const m = /^[#!]\s*(version|last modified|updated)\s*:\s*(.+)$/i.exec(line);
      if (m?.[1] && m[2]) {
        if (m[1].toLowerCase() === 'version') headerVersion ??= m[2].trim();
        else headerDate ??= m[2].trim();
      }
      continue;
    }
    if (line.length > MAX_LINE || line.startsWith('@@') || /#[@?$%]?#/.test(line)) {
      skip(lineNo, line);
      continue;
    }
    if (line.startsWith('||')) {
      const host = adblockHost(line);
      const net = host === null ? null : parseNet(host);
      const domain = host === null || net ? null : normalizeListDomain(host);
      if (net && host !== null)
        entries.push({
          kind: net.bits === (net.v === 4 ? 32 : 128) ? 'ip' : 'cidr',
          net,
          text: host,
          line: lineNo,
        });
      else if (domain) entries.push({ kind: 'domain', domain, line: lineNo });
      else {
        skip(lineNo, line);
        continue;
      }
      counts.adblock++;
      continue;
    }
    const hash = line.indexOf(' #');
    const body = hash >= 0 ? line.slice(0, hash).trim() : line;
    const tokens = body.split(/\s+/);
    const first = tokens[0] ?? '';
    const firstNet = parseNet(first);
    if (tokens.length > 1 && firstNet && first.indexOf('/') < 0) {
      let any = false;
      for (const name of tokens.slice(1)) {
        const domain = normalizeListDomain(name);
        if (domain) {
          entries.push({ kind: 'domain', domain, line: lineNo });
          any = true;
        }
      }
      if (any) counts.hosts++;
      else if (!SINK_ADDRESSES.has(first)) skip(lineNo, line);
      continue;
    }
    if (tokens.length !== 1) {
      skip(lineNo, line);
      continue;
    }
    if (firstNet) {
      if (SINK_ADDRESSES.has(first)) continue;
      entries.push({ kind: first.includes('/') ? 'cidr' : 'ip', net: firstNet, text: first, line: lineNo });
      counts.ip++;
      continue;
    }
    const domain = normalizeListDomain(first);
    if (domain) {
      entries.push({ kind: 'domain', domain, line: lineNo });
      counts.plain++;
    } else skip(lineNo, line);
  }

  let format: ListFormat = 'plain';
  for (const f of ['hosts', 'adblock', 'ip'] as const) if (counts[f] > counts[format]) format = f;
  const result: ListParseResult = { entries, format, skipped, skippedSamples: samples };
  if (headerVersion !== undefined) result.headerVersion = headerVersion;
  if (headerDate !== undefined) result.headerDate = headerDate;
  return result;
}
