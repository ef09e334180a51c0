import { type Finding, findingId, findingIdKey } from '../../model/finding.js';
import { loadPcapWalkAddon, type PcapWalkAddon } from '../../sources/pcap/native-walk.js';
import { isoTime } from './report-text.js';

/** Year 10000: past it toISOString writes six-digit years, which only Date itself formats (see isoTime). */
const NATIVE_ISO_LIMIT = 253_402_300_800_000;
const ISO_CHARS = 24;
const ID_CHARS = 26;

/**
 * The id and times of a report's findings, filled in at once after all of them are built: the finding ids (one
 * SHA-256 each) and packet times (three per finding) in one call of the native addon each instead of one JS call
 * apiece, which cost more than the rest of a finding together. Each text is a slice of the one string the call
 * returns, which keeps the findings' memory small too. Without the addon the same texts come from findingId and
 * isoTime. Findings are added with placeholders where these texts go (id, time, evidence firstSeen and lastSeen).
 */
export class LateTexts {
  private readonly findings: Finding[] = [];
  private readonly keys: string[] = [];
  /** Per finding: evidence firstSeen, lastSeen, then the finding's time. */
  private readonly times: number[] = [];

  constructor(private readonly addon: PcapWalkAddon | null = loadPcapWalkAddon()) {}

  /** findingIdKey's first seven parts, per rule, for entities without pid, start time, exe or path (see add). */
  private readonly prefixes = new Map<string, { host: string; kind: string; text: string }>();

  add(f: Finding, firstTime: number, lastTime: number, time: number): void {
    this.findings.push(f);
    const e = f.entity;
    // A report's entities are connections and addresses: their keys share the parts up to the address, built once.
    this.keys.push(
      e.pid === undefined && e.startTime === undefined && e.exe === undefined && e.path === undefined
        ? [
            this.prefix(f.host.id, f.ruleId, e.kind),
            e.ip ?? '',
            e.port ?? '',
            e.name ?? '',
            e.container ?? '',
          ].join('\u0000')
        : findingIdKey(f.host.id, f.ruleId, e),
    );
    this.times.push(firstTime, lastTime, time);
  }

  private prefix(host: string, ruleId: string, kind: string): string {
    const p = this.prefixes.get(ruleId);
    if (p !== undefined && p.host === host && p.kind === kind) return p.text;
    const text = [host, ruleId, kind, '', '', '', ''].join('\u0000');
    this.prefixes.set(ruleId, { host, kind, text });
    return text;
  }

  /** Sets every added finding's id and times. */
  fill(): void {
    const { findings, keys, times, addon } = this;
    const n = findings.length;
    if (n === 0) return;
    if (addon === null) {
      for (let i = 0; i < n; i++) {
        const f = findings[i] as Finding;
        f.id = findingId(f.host.id, f.ruleId, f.entity);
        f.evidence['firstSeen'] = isoTime(times[3 * i] as number);
        f.evidence['lastSeen'] = isoTime(times[3 * i + 1] as number);
        f.time = isoTime(times[3 * i + 2] as number);
      }
      return;
    }
    const ids = addon.findingIds(keys);
    const packed = new Float64Array(times);
    const texts = addon.isoTimes(packed);
    const text = (k: number): string => {
      const t = packed[k] as number;
      return t >= 0 && t < NATIVE_ISO_LIMIT ? texts.slice(k * ISO_CHARS, (k + 1) * ISO_CHARS) : isoTime(t);
    };
    for (let i = 0; i < n; i++) {
      const f = findings[i] as Finding;
      f.id = ids.slice(i * ID_CHARS, (i + 1) * ID_CHARS);
      const first = text(3 * i);
      f.evidence['firstSeen'] = first;
      f.evidence['lastSeen'] = text(3 * i + 1);
      // Most findings are timed at the flow's first packet: the same text then.
      f.time = packed[3 * i + 2] === packed[3 * i] ? first : text(3 * i + 2);
    }
  }
}
