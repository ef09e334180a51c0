/** The parts of /proc/PID/stat a scan needs (proc(5)); times in clock ticks. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  flags: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
  threads: number;
  starttime: number;
  rssPages: number;
}

/** PF_KTHREAD from include/linux/sched.h: set on kernel threads, impossible for userland to set. */
export const PF_KTHREAD = 0x00200000;

/**
 * Parses one stat line. comm sits in parentheses and may itself contain spaces and ')', so the fields start after
 * the LAST ')'. Returns null on anything malformed rather than guessing.
 */
export function parseStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open <= 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text
    .slice(close + 2)
    .trimEnd()
    .split(' ');
  if (!Number.isInteger(pid) || rest.length < 22) return null;
  const num = (i: number): number => Number(rest[i]);
  const s: ProcStat = {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: num(1),
    flags: num(6),
    utime: num(11),
    stime: num(12),
    cutime: num(13),
    cstime: num(14),
    threads: num(17),
    starttime: num(19),
    rssPages: num(21),
  };
  for (const v of [
    s.ppid,
    s.flags,
    s.utime,
    s.stime,
    s.cutime,
    s.cstime,
    s.threads,
    s.starttime,
    s.rssPages,
  ]) {
    if (!Number.isFinite(v) || v < 0) return null;
  }
  if (!/^[A-Za-z]$/.test(s.state)) return null;
  return s;
}
