import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

/** True when this process may create network namespaces (root with CAP_SYS_ADMIN and the `ip` tool). */
export function canUseNetns(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `mw-probe-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function ipIn(ns: string, args: string[]): void {
  execFileSync('ip', ['netns', 'exec', ns, ...args], { stdio: 'pipe' });
}

/**
 * Two namespaces joined by a veth pair: `host` (where the "infected" process and our firewall live) and `pool` (the
 * far side, where a fake pool listens). Everything the tests do to firewalls happens inside `host`.
 */
export class NetnsPair {
  readonly host: string;
  readonly pool: string;
  readonly hostIp: string;
  readonly poolIp: string;

  constructor(tag: string) {
    const id = `${tag}-${process.pid}`;
    this.host = `mw-${id}-h`;
    this.pool = `mw-${id}-p`;
    const oct = 1 + (process.pid % 250);
    this.hostIp = `10.213.${oct}.1`;
    this.poolIp = `10.213.${oct}.2`;
    const vh = `mwh${process.pid % 100000}`;
    const vp = `mwp${process.pid % 100000}`;
    execFileSync('ip', ['netns', 'add', this.host]);
    execFileSync('ip', ['netns', 'add', this.pool]);
    execFileSync('ip', [
      'link',
      'add',
      vh,
      'netns',
      this.host,
      'type',
      'veth',
      'peer',
      'name',
      vp,
      'netns',
      this.pool,
    ]);
    ipIn(this.host, ['ip', 'addr', 'add', `${this.hostIp}/30`, 'dev', vh]);
    ipIn(this.pool, ['ip', 'addr', 'add', `${this.poolIp}/30`, 'dev', vp]);
    for (const [ns, dev] of [
      [this.host, vh],
      [this.pool, vp],
    ] as const) {
      ipIn(ns, ['ip', 'link', 'set', dev, 'up']);
      ipIn(ns, ['ip', 'link', 'set', 'lo', 'up']);
    }
  }

  /** A TCP server on the pool side that accepts and holds connections; resolves once it listens. */
  async startPool(port: number): Promise<ChildProcess> {
    const code = `require('net').createServer((s)=>{s.on('error',()=>{})}).listen(${port},'${this.poolIp}',()=>console.log('ready'))`;
    const child = spawn('ip', ['netns', 'exec', this.pool, process.execPath, '-e', code], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c) => reject(new Error(`fake pool exited (${c})`)));
      child.stdout?.once('data', () => resolve());
    });
    return child;
  }

  /** Whether a TCP connect from the host namespace to the pool succeeds within `timeoutSec`. */
  canConnect(port: number, timeoutSec = 2): boolean {
    try {
      execFileSync(
        'ip',
        [
          'netns',
          'exec',
          this.host,
          'timeout',
          String(timeoutSec),
          'bash',
          '-c',
          `exec 3<>/dev/tcp/${this.poolIp}/${port}`,
        ],
        { stdio: 'ignore' },
      );
      return true;
    } catch {
      return false;
    }
  }

  nftIn(args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', this.host, 'nft', ...args], { encoding: 'utf8' });
  }

  destroy(): void {
    for (const ns of [this.host, this.pool]) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {}
    }
  }
}
