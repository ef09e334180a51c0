import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeProcess {
  pid: number;
  ppid?: number;
  comm?: string;
  state?: string;
  uid?: number;
  /** Raw stat line; overrides the generated one (for malformed-input tests). */
  stat?: string;
  /** argv; joined with NULs. Or raw bytes via cmdlineRaw. */
  argv?: string[];
  cmdlineRaw?: Buffer;
  /** Target of the exe symlink (what readlink returns); omit for none. */
  exe?: string;
  cwd?: string;
  cgroup?: string;
  utime?: number;
  stime?: number;
  starttime?: number;
  threads?: number;
  flags?: number;
  /** Socket inodes held as fds. */
  sockets?: number[];
  netns?: number;
}

/** Builds a directory that looks like a host root with a /proc tree, for source tests without real processes. */
export class FakeRoot {
  readonly root: string;
  readonly proc: string;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'mw-fakeroot-'));
    this.proc = join(this.root, 'proc');
    mkdirSync(join(this.proc, 'net'), { recursive: true });
    mkdirSync(join(this.root, 'etc'), { recursive: true });
    writeFileSync(join(this.proc, 'stat'), 'cpu  100 0 100 1000 0 0 0 0 0 0\nbtime 1700000000\n');
    writeFileSync(
      join(this.root, 'etc', 'passwd'),
      'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n',
    );
    writeFileSync(join(this.root, 'etc', 'machine-id'), '0123456789abcdef0123456789abcdef\n');
    writeFileSync(join(this.root, 'etc', 'hostname'), 'fakehost\n');
    for (const t of ['tcp', 'tcp6', 'udp', 'udp6']) this.netTable(t, []);
  }

  add(p: FakeProcess): this {
    const dir = join(this.proc, String(p.pid));
    mkdirSync(join(dir, 'fd'), { recursive: true });
    const comm = p.comm ?? 'proc';
    const stat =
      p.stat ??
      `${p.pid} (${comm}) ${p.state ?? 'S'} ${p.ppid ?? 1} ${p.pid} ${p.pid} 0 -1 ${p.flags ?? 4194560} 0 0 0 0 ` +
        `${p.utime ?? 10} ${p.stime ?? 5} 0 0 20 0 ${p.threads ?? 1} 0 ${p.starttime ?? 1000} 1000000 250 ` +
        '18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0';
    writeFileSync(join(dir, 'stat'), `${stat}\n`);
    writeFileSync(
      join(dir, 'status'),
      `Name:\t${comm}\nUid:\t${p.uid ?? 0}\t${p.uid ?? 0}\t0\t0\nVmRSS:\t  1000 kB\n`,
    );
    writeFileSync(join(dir, 'cmdline'), p.cmdlineRaw ?? Buffer.from(p.argv ? `${p.argv.join('\0')}\0` : ''));
    writeFileSync(join(dir, 'cgroup'), p.cgroup ?? '0::/user.slice/session-1.scope\n');
    if (p.exe !== undefined) symlinkSync(p.exe, join(dir, 'exe'));
    if (p.cwd !== undefined) symlinkSync(p.cwd, join(dir, 'cwd'));
    for (const [i, inode] of (p.sockets ?? []).entries()) {
      symlinkSync(`socket:[${inode}]`, join(dir, 'fd', String(i + 3)));
    }
    if (p.netns !== undefined) {
      mkdirSync(join(dir, 'ns'));
      symlinkSync(`net:[${p.netns}]`, join(dir, 'ns', 'net'));
    }
    return this;
  }

  /** Writes /proc/net/<table> with a header and the given body lines. */
  netTable(table: string, lines: string[], dir = join(this.proc, 'net')): this {
    mkdirSync(dir, { recursive: true });
    const header =
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
    writeFileSync(join(dir, table), `${[header, ...lines].join('\n')}\n`);
    return this;
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A /proc/net/tcp line for IPv4 addresses on a little-endian host. */
export function tcp4Line(
  sl: number,
  local: string,
  lport: number,
  remote: string,
  rport: number,
  st: string,
  inode: number,
  uid = 0,
): string {
  const hex = (ip: string): string =>
    ip
      .split('.')
      .map((o) => Number(o).toString(16).padStart(2, '0').toUpperCase())
      .reverse()
      .join('');
  const port = (n: number): string => n.toString(16).padStart(4, '0').toUpperCase();
  return `${String(sl).padStart(4)}: ${hex(local)}:${port(lport)} ${hex(remote)}:${port(rport)} ${st} 00000000:00000000 00:00000000 00000000 ${String(uid).padStart(5)}        0 ${inode} 1 0000000000000000 20 4 30 10 -1`;
}
