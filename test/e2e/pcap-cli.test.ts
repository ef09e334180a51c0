import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT, runCli } from '../helpers/cli.js';

const PCAPS = resolve(REPO_ROOT, '../shared/data/pcaps');
const dir = mkdtempSync(join(tmpdir(), 'mw-pcap-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('minewarden pcap', () => {
  it('mining captures: findings as JSON with the flow, protocol, agent and login; exit 1', async () => {
    const r = await runCli(['pcap', join(PCAPS, 'mining/ndpi/mining.pcapng'), '--format', 'json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    const monero = out.findings.find(
      (f: { evidence: Record<string, unknown> }) => f.evidence['protocol'] === 'monero-stratum',
    );
    expect(monero.evidence).toMatchObject({
      fiveTuple: 'tcp 192.168.2.92:55190 -> 178.32.196.217:9050',
      agent: 'xmr-stak-cpu/1.3.0-1.5.0',
      packets: 145,
    });
    expect(out.captures[0]).toMatchObject({ format: 'pcapng', packets: 673 });
  });

  it('benign captures: exit 0 at the default --fail-on, P2P only as info', async () => {
    const r = await runCli([
      'pcap',
      join(PCAPS, 'benign/ndpi/bitcoin.pcap'),
      join(PCAPS, 'benign/ndpi/dns.pcap'),
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('wire.crypto.p2p');
    expect(r.stdout).not.toMatch(/HIGH|MEDIUM|CRITICAL/);
  });

  it('not a capture: exit 2 and one line naming the file and offset', async () => {
    const bad = join(dir, 'notes.pcap');
    writeFileSync(bad, 'just some text, no capture here');
    const r = await runCli(['pcap', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `minewarden: MW_INPUT_PARSE: ${bad}: byte offset 0: not a pcap or pcapng file (magic 0x6a757374; expected a1b2c3d4, a1b23c4d or 0a0d0d0a)`,
    );
  });

  it('truncated capture: findings up to the cut and a warning with the offset', async () => {
    const whole = readFileSync(join(PCAPS, 'mining/peafowl/stratum.pcap'));
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 100));
    const r = await runCli(['pcap', cut, '--format', 'json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.findings.length).toBeGreaterThan(0);
    expect(out.warnings).toEqual([
      expect.objectContaining({
        code: 'MW_W_PCAP_TRUNCATED',
        path: cut,
        message: expect.stringMatching(/byte offset \d+/),
      }),
    ]);
  });

  const walkAddon = existsSync(resolve(REPO_ROOT, 'build/Release/pcap_walk.node'));
  it.skipIf(!walkAddon && process.env.MINEWARDEN_REQUIRE_SERVICES !== '1')(
    '--verbose names the packet walk: native for a file, JavaScript for a pipe; the same findings',
    async () => {
      const file = join(PCAPS, 'mining/ndpi/mining.pcapng');
      const r = await runCli(['pcap', '-v', file, '--format', 'json']);
      expect(r.stderr).toContain(`${file}: pcapng, native packet walk`);
      // A shell pipe (a FIFO on /dev/stdin), as `tcpdump -w - | minewarden pcap /dev/stdin` gives.
      const piped = spawnSync(
        'sh',
        ['-c', 'cat "$1" | "$2" "$3" pcap -v /dev/stdin --format json', 'sh', file, process.execPath, BIN],
        { encoding: 'utf8' },
      );
      expect(piped.stderr).toContain('/dev/stdin: pcapng, JavaScript packet walk (not a regular file)');
      const ids = (out: string) =>
        (JSON.parse(out).findings as Array<{ ruleId: string; evidence: unknown }>).map((f) => [
          f.ruleId,
          f.evidence,
        ]);
      expect(ids(piped.stdout)).toEqual(ids(r.stdout));
    },
  );

  it('no input: a usage error', async () => {
    const r = await runCli(['pcap']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MW_USAGE');
  });

  const haveTcpdump = (() => {
    try {
      execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!haveTcpdump && process.env.MINEWARDEN_REQUIRE_SERVICES !== '1')(
    '--live on an interface that does not exist: exit 2 with the capture tool’s reason',
    async () => {
      const r = await runCli(['pcap', '--live', 'mw-no-such0', '--duration', '5']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/MW_CAPTURE_FAILED: tcpdump:mw-no-such0: .*(No such device|doesn't exist)/);
    },
  );
});
