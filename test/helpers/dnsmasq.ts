import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { writeFileSync } from 'node:fs';

/** A free UDP port on loopback (dnsmasq takes the same number for TCP). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * A real DNS server on 127.0.0.1 for tests: fixed answers from `--address=/name/ip` lines and a hosts file the test
 * rewrites (`setHosts` re-reads it through SIGHUP). Answers only what it is told; never forwards.
 */
export class TestDns {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly hostsPath: string,
  ) {}

  get server(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(
    dnsmasq: string,
    hostsPath: string,
    hosts: string,
    addresses: readonly string[],
  ): Promise<TestDns> {
    writeFileSync(hostsPath, hosts);
    const port = await freeUdpPort();
    const child = spawn(
      dnsmasq,
      [
        '--no-daemon',
        '--conf-file=/dev/null',
        `--port=${port}`,
        '--listen-address=127.0.0.1',
        '--bind-interfaces',
        '--no-resolv',
        '--no-hosts',
        `--addn-hosts=${hostsPath}`,
        // Stay root: as nobody it could not re-read a hosts file in a 0700 temporary directory.
        '--user=root',
        '--pid-file',
        '--local-ttl=60',
        ...addresses.map((a) => `--address=${a}`),
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (b) => {
      stderr += String(b);
    });
    const dns = new TestDns(port, child, hostsPath);
    const probe = new Resolver({ timeout: 200, tries: 1 });
    probe.setServers([dns.server]);
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`dnsmasq exited (${child.exitCode}): ${stderr}`);
      try {
        await probe.resolve4('localhost.invalid');
      } catch (err) {
        // Any DNS answer (NXDOMAIN, REFUSED) means it listens; only a timeout or refused socket means not yet.
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ETIMEOUT' && code !== 'ECONNREFUSED') return dns;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`dnsmasq did not answer on 127.0.0.1:${port}: ${stderr}`);
  }

  /**
   * Replaces the hosts-file answers and has dnsmasq re-read them (and drop its cache); with `until`, waits for that
   * name to answer that IPv4 address (SIGHUP is handled asynchronously).
   */
  async setHosts(text: string, until?: { name: string; addr: string }): Promise<void> {
    writeFileSync(this.hostsPath, text);
    this.child.kill('SIGHUP');
    const probe = new Resolver({ timeout: 200, tries: 1 });
    probe.setServers([this.server]);
    for (let i = 0; i < 40 && until; i++) {
      const got: string[] = await probe.resolve4(until.name).catch(() => []);
      if (got.includes(until.addr)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (until) throw new Error(`dnsmasq did not pick up ${until.name} -> ${until.addr}`);
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}
