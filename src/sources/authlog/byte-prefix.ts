import type { YearInference } from './prefix.js';

/**
 * The classic syslog envelope (`Mmm dd hh:mm:ss host prog[pid]: `) read straight from the bytes of a line, so that
 * lines of other programs (cron, sudo, logind: a third of a busy auth.log) are recognised and dropped without being
 * decoded, and the rest skip the string prefix parser. Only the plain shape is handled; anything else (fractional
 * seconds, a year, a digit-led or tag-like host token, odd bytes) returns false and the caller falls back to
 * `parsePrefix`, which stays the one definition of the format.
 */
export class BytePrefixReader {
  hostname = '';
  program = '';
  /** 1: an sshd program, 2: dropbear, 0: anything else. */
  programKind = 0;
  /** -1 when the tag has none (`sudo:`). */
  pid = -1;
  /** Where the message starts (the envelope is ASCII, so this is also its index in the decoded line). */
  messageStart = 0;

  /** The stamp bytes of the last line and their time: busy logs repeat a stamp on many lines. */
  private readonly stamp = new Uint8Array(16);
  private stampLen = 0;
  private stampTime = 0;
  /** `years.resolves` when the stamp and hour caches were filled: stale once anyone else resolves a stamp. */
  private stampAt = -1;
  private hourAt = -1;
  /** The stamp of the line just read: the cached one, or a new one whose time is not resolved yet. */
  private stampHit = false;
  private readonly candidate = new Uint8Array(16);
  private candidateLen = 0;
  /** The packed fields of the cached stamp when `stampFrom` gave it (-1: `read` did, by its bytes). */
  private stampKey = -1;
  private candidateKey = -1;
  private month = 0;
  private day = 0;
  private hour = 0;
  private minute = 0;
  private second = 0;
  /** Epoch ms of the start of the last hour seen, so a new second costs no Date. */
  private hourKey = -1;
  private hourBase = 0;
  private readonly programs: { name: string; kind: number }[] = [];

  constructor(private readonly years: YearInference) {}

  /** Reads the envelope of `buf[start, end)`; false when the line is not in the plain classic shape. */
  read(buf: Uint8Array, start: number, end: number): boolean {
    let i = this.readStamp(buf, start, end);
    if (i < 0) return false;
    // Host token: printable ASCII up to a space; a tag-like token there means no host (left to the slow path).
    // The host of the line before, checked first, is nearly always the one: a log is mostly one host's.
    const hostStart = i;
    const prevHost = this.hostname;
    if (
      prevHost !== '' &&
      sameAscii(buf, i, i + prevHost.length, prevHost) &&
      buf[i + prevHost.length] === 32
    ) {
      i += prevHost.length;
      if (i >= end) return false;
    } else {
      while (i < end) {
        const c = buf[i] as number;
        if (c === 32) break;
        if (c < 33 || c > 126) return false;
        i++;
      }
      if (i >= end || i === hostStart) return false;
      const h0 = buf[hostStart] as number;
      if (h0 === 91 || buf[i - 1] === 58) return false;
      this.hostname = latin1(buf, hostStart, i);
    }
    i++;
    // The tag: `prog[pid]:` or `prog:`, followed by a space.
    const progStart = i;
    while (i < end) {
      const c = buf[i] as number;
      if (c === 91 || c === 58) break;
      if (c < 33 || c > 126 || c === 93) return false;
      i++;
    }
    if (i >= end || i === progStart) return false;
    const progEnd = i;
    let pid = -1;
    if (buf[i] === 91) {
      i++;
      const digitsStart = i;
      let v = 0;
      while (i < end) {
        const c = buf[i] as number;
        if (c < 48 || c > 57) break;
        v = v * 10 + (c - 48);
        i++;
      }
      if (i === digitsStart || i - digitsStart > 9 || buf[i] !== 93) return false;
      pid = v;
      i++;
    }
    if (i + 1 >= end || buf[i] !== 58 || buf[i + 1] !== 32) return false;
    i += 2;
    while (i < end && buf[i] === 32) i++;
    if (i >= end) return false;
    this.pid = pid;
    this.internProgram(buf, progStart, progEnd);
    this.messageStart = i;
    return true;
  }

  /**
   * The line's time. Resolved only when asked for, after the caller has ruled the line out as binary garbage: the
   * string path never lets such a line move year inference, and this one must not either.
   */
  time(): number {
    if (this.stampHit) return this.stampTime;
    const time = this.timeOf(this.month, this.day, this.hour, this.minute, this.second);
    const len = this.candidateLen;
    for (let k = 0; k < len; k++) this.stamp[k] = this.candidate[k] as number;
    this.stampLen = len;
    this.stampKey = this.candidateKey;
    this.stampTime = time;
    this.stampAt = this.years.resolves;
    this.stampHit = true;
    return time;
  }

  /**
   * The stamp of a line the native walk read, as its packed fields (month << 22 | day << 17 | hour << 12 |
   * minute << 6 | second); `time()` then resolves it. The cache of the last stamp is keyed by these fields here and
   * by the stamp's bytes in `read`: only the one that resolved last is live.
   */
  stampFrom(packed: number): void {
    if (packed === this.stampKey && this.stampAt === this.years.resolves) {
      this.stampHit = true;
      return;
    }
    this.month = packed >>> 22;
    this.day = (packed >>> 17) & 31;
    this.hour = (packed >>> 12) & 31;
    this.minute = (packed >>> 6) & 63;
    this.second = packed & 63;
    this.candidateLen = 0;
    this.candidateKey = packed;
    this.stampHit = false;
  }

  /** `Mmm dd hh:mm:ss ` and the spaces after it; the index of the host token, or -1. */
  private readStamp(buf: Uint8Array, start: number, end: number): number {
    // Same stamp as the line before: the common case in a busy log.
    const n = this.stampLen;
    if (n > 0 && start + n < end && this.stampAt === this.years.resolves) {
      let same = true;
      for (let k = 0; k < n; k++)
        if (buf[start + k] !== this.stamp[k]) {
          same = false;
          break;
        }
      if (same) {
        this.stampHit = true;
        return this.afterStamp(buf, start + n, end);
      }
    }
    if (start + 16 > end) return -1;
    const month = monthOf(buf[start] as number, buf[start + 1] as number, buf[start + 2] as number);
    if (month < 0 || buf[start + 3] !== 32) return -1;
    let i = start + 4;
    if (buf[i] === 32) i++;
    let day = digit(buf[i] as number);
    if (day < 0) return -1;
    i++;
    const d2 = digit(buf[i] as number);
    if (d2 >= 0) {
      day = day * 10 + d2;
      i++;
    }
    if (buf[i] !== 32 || i + 9 > end) return -1;
    const h = two(buf, i + 1);
    const m = two(buf, i + 4);
    const s = two(buf, i + 7);
    if (h < 0 || m < 0 || s < 0 || buf[i + 3] !== 58 || buf[i + 6] !== 58) return -1;
    // Out-of-range fields are left to the string path (Date rolls them over; the hour cache must not).
    if (day === 0 || day > 31 || h > 23 || m > 59 || s > 60) return -1;
    i += 9;
    const len = i - start;
    if (len > this.candidate.length) return -1;
    for (let k = 0; k < len; k++) this.candidate[k] = buf[start + k] as number;
    this.candidateLen = len;
    this.candidateKey = -1;
    this.month = month;
    this.day = day;
    this.hour = h;
    this.minute = m;
    this.second = s;
    this.stampHit = false;
    return this.afterStamp(buf, i, end);
  }

  /** Skips the spaces after the stamp; a digit next may be a year (`... 12:00:00 2026 host`): not ours. */
  private afterStamp(buf: Uint8Array, from: number, end: number): number {
    let i = from;
    if (buf[i] !== 32) return -1;
    while (i < end && buf[i] === 32) i++;
    if (i >= end) return -1;
    const c = buf[i] as number;
    return c >= 48 && c <= 57 ? -1 : i;
  }

  private timeOf(month: number, day: number, h: number, m: number, s: number): number {
    const key = (month * 32 + day) * 24 + h;
    if (key !== this.hourKey || this.hourAt !== this.years.resolves) {
      // Year inference sees this stamp first, exactly as the string path would show it.
      const exact = this.years.resolve(month, day, h, m, s, 0);
      const base = this.years.resolve(month, day, h, 0, 0, 0);
      // An hour whose UTC offset changes inside it (a DST switch off the hour) is not cached.
      const last = this.years.resolve(month, day, h, 59, 59, 0);
      if (last - base !== 3_599_000) {
        this.hourKey = -1;
        return exact;
      }
      this.hourKey = key;
      this.hourBase = base;
      this.hourAt = this.years.resolves;
      return exact;
    }
    return this.hourBase + m * 60_000 + s * 1000;
  }

  private internProgram(buf: Uint8Array, start: number, end: number): void {
    if (sameAscii(buf, start, end, this.program)) return;
    for (const p of this.programs)
      if (sameAscii(buf, start, end, p.name)) {
        this.program = p.name;
        this.programKind = p.kind;
        return;
      }
    const name = latin1(buf, start, end);
    const kind =
      name === 'sshd' || name === 'sshd-session' || name === 'sshd-auth' ? 1 : name === 'dropbear' ? 2 : 0;
    // A bounded list: a log with thousands of program names only loses the cache, never memory.
    if (this.programs.length < 32) this.programs.push({ name, kind });
    this.program = name;
    this.programKind = kind;
  }
}

function sameAscii(buf: Uint8Array, start: number, end: number, s: string): boolean {
  if (s.length !== end - start) return false;
  for (let k = 0; k < s.length; k++) if (buf[start + k] !== s.charCodeAt(k)) return false;
  return true;
}

function latin1(buf: Uint8Array, start: number, end: number): string {
  return Buffer.prototype.latin1Slice.call(buf, start, end) as string;
}

function digit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : -1;
}

function two(buf: Uint8Array, i: number): number {
  const a = digit(buf[i] as number);
  const b = digit(buf[i + 1] as number);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/** Month index of a three-letter English abbreviation, or -1. */
function monthOf(a: number, b: number, c: number): number {
  switch ((a << 16) | (b << 8) | c) {
    case 0x4a616e:
      return 0; // Jan
    case 0x466562:
      return 1; // Feb
    case 0x4d6172:
      return 2; // Mar
    case 0x417072:
      return 3; // Apr
    case 0x4d6179:
      return 4; // May
    case 0x4a756e:
      return 5; // Jun
    case 0x4a756c:
      return 6; // Jul
    case 0x417567:
      return 7; // Aug
    case 0x536570:
      return 8; // Sep
    case 0x4f6374:
      return 9; // Oct
    case 0x4e6f76:
      return 10; // Nov
    case 0x446563:
      return 11; // Dec
    default:
      return -1;
  }
}
