/** The few /proc/PID/status lines stat lacks: real uid and resident memory in bytes. */
export interface ProcStatus {
  uid: number | null;
  rssBytes: number | null;
}

export function parseStatus(text: string): ProcStatus {
  let uid: number | null = null;
  let rssBytes: number | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('Uid:')) {
      const n = Number(line.slice(4).trim().split(/\s+/)[0]);
      if (Number.isInteger(n) && n >= 0) uid = n;
    } else if (line.startsWith('VmRSS:')) {
      const m = /(\d+)\s*kB/.exec(line);
      if (m) rssBytes = Number(m[1]) * 1024;
    }
  }
  return { uid, rssBytes };
}
