/** The parts of a syslog-style line in front of the message. */
export interface LinePrefix {
  /** Epoch ms, or undefined when the line carries no time (journal short without time, sshd -E). */
  time: number | undefined;
  hostname: string | undefined;
  program: string | undefined;
  pid: number | undefined;
  message: string;
}

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};

const CLASSIC_RE = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?: (\d{4}))? +/;
const ISO_RE = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?) +/;
const RFC5424_RE =
  /^<\d{1,3}>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]"\\]|\\.|"(?:[^"\\]|\\.)*")*\])+) ?/;

/**
 * Classic syslog stamps have no year. The year is inferred from a reference time (file mtime, or now when following)
 * and carried forward: a month that jumps back by more than half a year means the log crossed New Year.
 */
export class YearInference {
  private year: number | undefined;
  private lastMonth = -1;
  /** The last classic stamp (`Mmm dd hh:mm:ss `) and its time: busy logs repeat a stamp on many lines. */
  lastStamp = '';
  lastTime = 0;
  /** Calls of `resolve` so far: a cached stamp is only good while no other stamp has been resolved since. */
  resolves = 0;
  /** `resolves` when lastStamp was set. */
  lastStampAt = 0;

  constructor(private readonly referenceMs: number) {}

  resolve(month: number, day: number, h: number, m: number, s: number, ms: number): number {
    this.resolves++;
    if (this.year === undefined) {
      const ref = new Date(this.referenceMs);
      let y = ref.getFullYear();
      // A first line dated after the reference (plus a day of clock skew) belongs to the year before.
      if (new Date(y, month, day, h, m, s).getTime() > this.referenceMs + 86_400_000) y--;
      this.year = y;
    } else if (this.lastMonth >= 0) {
      if (month < this.lastMonth - 6) this.year++;
      else if (month > this.lastMonth + 6) this.year--;
    }
    this.lastMonth = month;
    return new Date(this.year, month, day, h, m, s, ms).getTime();
  }
}

/** `prog[pid]:`, `prog:`, `[prog]:` or `[prog]` as program and pid; null when the token is not a tag. */
function parseTag(tok: string): { program: string; pid: number | undefined } | null {
  const n = tok.length;
  if (n < 2) return null;
  if (tok.charCodeAt(0) === 91) {
    const close = tok.indexOf(']');
    if (close < 2 || (close !== n - 1 && !(close === n - 2 && tok.charCodeAt(n - 1) === 58))) return null;
    return { program: tok.slice(1, close), pid: undefined };
  }
  if (tok.charCodeAt(n - 1) !== 58) return null;
  const open = tok.indexOf('[');
  if (open < 0) {
    const program = tok.slice(0, n - 1);
    return program.includes(':') || program.includes(']') ? null : { program, pid: undefined };
  }
  if (open === 0 || tok.charCodeAt(n - 2) !== 93) return null;
  const pid = Number(tok.slice(open + 1, n - 2));
  if (!Number.isInteger(pid) || pid < 0) return null;
  const program = tok.slice(0, open);
  return program.includes(':') || program.includes(']') ? null : { program, pid };
}

function nextToken(s: string, from: number): [string, number] {
  const sp = s.indexOf(' ', from);
  if (sp < 0) return [s.slice(from), s.length];
  let end = sp;
  while (end < s.length && s.charCodeAt(end) === 32) end++;
  return [s.slice(from, sp), end];
}

/** `[host] program[pid]: message`, `[host] [program]: message`, or a bare message (sshd -E). */
function splitTag(line: string, from: number, time: number | undefined): LinePrefix {
  const [t1, after1] = nextToken(line, from);
  const tag1 = parseTag(t1);
  if (tag1)
    return { time, hostname: undefined, program: tag1.program, pid: tag1.pid, message: line.slice(after1) };
  const [t2, after2] = nextToken(line, after1);
  const tag2 = parseTag(t2);
  if (tag2)
    return {
      time,
      hostname: t1 || undefined,
      program: tag2.program,
      pid: tag2.pid,
      message: line.slice(after2),
    };
  return { time, hostname: undefined, program: undefined, pid: undefined, message: line.slice(from) };
}

/** Splits a log line into time, host, program, pid and message. Never throws. */
export function parsePrefix(line: string, years: YearInference): LinePrefix {
  const c0 = line.charCodeAt(0);
  if (c0 >= 65 && c0 <= 90) {
    const stamp = years.lastStamp;
    // A hit only when the cached stamp is followed by the host as it was: more spaces, or a digit (a year, or a
    // host the regex might take for one), go the long way.
    if (stamp !== '' && years.lastStampAt === years.resolves && line.startsWith(stamp)) {
      const next = line.charCodeAt(stamp.length);
      if (next !== 32 && !(next >= 48 && next <= 57)) return splitTag(line, stamp.length, years.lastTime);
    }
    const m = CLASSIC_RE.exec(line);
    if (m) {
      const month = MONTHS[m[1] as string];
      if (month !== undefined) {
        const ms = m[6] ? Number(m[6].padEnd(3, '0').slice(0, 3)) : 0;
        const time = m[7]
          ? new Date(
              Number(m[7]),
              month,
              Number(m[2]),
              Number(m[3]),
              Number(m[4]),
              Number(m[5]),
              ms,
            ).getTime()
          : years.resolve(month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), ms);
        if (Number.isFinite(time) && !m[6]) {
          years.lastStamp = m[0];
          years.lastTime = time;
          years.lastStampAt = years.resolves;
        }
        return splitTag(line, m[0].length, Number.isFinite(time) ? time : undefined);
      }
    }
  } else if (c0 >= 48 && c0 <= 57) {
    const m = ISO_RE.exec(line);
    if (m?.[1]) {
      const t = Date.parse(m[1].replace(',', '.'));
      return splitTag(line, m[0].length, Number.isFinite(t) ? t : undefined);
    }
  } else if (c0 === 60) {
    const m = RFC5424_RE.exec(line);
    if (m) {
      const t = m[1] === '-' ? Number.NaN : Date.parse(m[1] as string);
      const pid = Number(m[4]);
      return {
        time: Number.isFinite(t) ? t : undefined,
        hostname: m[2] === '-' ? undefined : m[2],
        program: m[3] === '-' ? undefined : m[3],
        pid: Number.isInteger(pid) ? pid : undefined,
        message: line.slice(m[0].length),
      };
    }
    // BSD syslog with a priority in front (`<38>Feb 12 ...`), as sent over the network.
    const close = line.indexOf('>');
    if (close > 0 && close < 5) return parsePrefix(line.slice(close + 1), years);
  }
  return splitTag(line, 0, undefined);
}
