import { describe, expect, it } from 'vitest';
import { loadMinerPorts } from '../../intel/miner-ports.js';
import type { EventFields, TelemetryEvent } from '../../model/event.js';
import { FindingSchema } from '../../model/schemas.js';
import { DetectionEngine } from '../engine.js';
import { exeDeleted } from './exe-deleted.js';
import { exeWritablePath } from './exe-writable-path.js';
import { builtinDetectors } from './index.js';
import { kthreadMasquerade } from './kthread-masquerade.js';
import { MONERO_WALLET, minerCmdline } from './miner-cmdline.js';
import { minerPortDetector } from './miner-port.js';

const WALLET =
  '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';

function proc(fields: EventFields, kind: TelemetryEvent['kind'] = 'process'): TelemetryEvent {
  const args = (fields['process.args'] as string[] | undefined) ?? [];
  return {
    kind,
    time: Date.UTC(2026, 10, 26),
    hostId: 'h1',
    source: 'test',
    fields: { 'process.pid': 4242, 'process.name': 'x', 'process.commandLine': args.join(' '), ...fields },
  };
}

describe('proc.exe.writable-path', () => {
  it.each([
    ['/dev/shm/.x/kdevtmpfsi', 'critical'],
    ['/tmp/xmrig', 'high'],
    ['/var/tmp/.ICE-unix/x', 'critical'],
    ['/root/.configrc/a/kswapd0', 'high'],
  ])('flags %s', (exe, severity) => {
    expect(exeWritablePath.detect(proc({ 'process.exe': exe }))).toMatchObject({
      severity,
      evidence: { exe },
    });
  });
  it.each(['/usr/bin/sleep', '/home/dev/.local/bin/poetry', '/home/dev/.cargo/bin/rg', '/opt/tmp/app'])(
    'ignores %s',
    (exe) => {
      expect(exeWritablePath.detect(proc({ 'process.exe': exe }))).toBeNull();
    },
  );
});

describe('proc.exe.deleted', () => {
  it('rates a deleted binary by where it lived', () => {
    expect(exeDeleted.detect(proc({ 'process.exe': '/tmp/x', 'process.exeDeleted': true }))).toMatchObject({
      severity: 'critical',
    });
    expect(
      exeDeleted.detect(proc({ 'process.exe': '/usr/sbin/sshd', 'process.exeDeleted': true })),
    ).toMatchObject({ severity: 'low' });
  });
  it('flags memfd executables but not runc’s own', () => {
    expect(
      exeDeleted.detect(
        proc({ 'process.exe': '/memfd:x', 'process.exeMemfd': true, 'process.exeDeleted': true }),
      ),
    ).toMatchObject({ severity: 'critical' });
    expect(
      exeDeleted.detect(
        proc({ 'process.exe': '/memfd:runc_cloned:/proc/self/exe', 'process.exeMemfd': true }),
      ),
    ).toBeNull();
  });
  it('ignores ordinary processes', () => {
    expect(exeDeleted.detect(proc({ 'process.exe': '/usr/bin/sleep' }))).toBeNull();
  });
});

describe('proc.masquerade.kernel-thread', () => {
  it('flags a userland process wearing a kernel-thread name in comm or argv[0]', () => {
    expect(
      kthreadMasquerade.detect(
        proc({ 'process.name': 'kworker/0:1', 'process.exe': '/tmp/a', 'process.args': ['x'] }),
      ),
    ).not.toBeNull();
    expect(
      kthreadMasquerade.detect(
        proc({ 'process.name': 'a', 'process.exe': '/tmp/a', 'process.args': ['[kswapd0]'] }),
      ),
    ).not.toBeNull();
  });
  it('leaves real kernel threads and ordinary names alone', () => {
    expect(
      kthreadMasquerade.detect(proc({ 'process.name': 'kworker/0:1', 'process.kernelThread': true })),
    ).toBeNull();
    expect(kthreadMasquerade.detect(proc({ 'process.name': 'kworker/0:1' }))).toBeNull();
    expect(
      kthreadMasquerade.detect(
        proc({ 'process.name': 'nginx', 'process.exe': '/usr/sbin/nginx', 'process.args': ['nginx'] }),
      ),
    ).toBeNull();
  });
});

describe('miner.cmdline', () => {
  it('matches the Monero wallet shape exactly', () => {
    expect(MONERO_WALLET.test(WALLET)).toBe(true);
    expect(MONERO_WALLET.test(WALLET.slice(0, 90))).toBe(false);
    expect(MONERO_WALLET.test(`${WALLET}a`)).toBe(false);
    expect(MONERO_WALLET.test(`-u ${WALLET}.worker1`)).toBe(true);
  });
  it('flags XMRig-style argv with verbatim evidence', () => {
    const args = ['kdevtmpfsi', '-o', 'stratum+tcp://127.0.0.1:3333', '-u', WALLET, '--donate-level', '1'];
    const hit = minerCmdline.detect(proc({ 'process.args': args }));
    expect(hit).toMatchObject({ severity: 'critical' });
    const indicators = (
      hit as unknown as { evidence: { indicators: Array<{ indicator: string; match: string }> } }
    ).evidence.indicators;
    expect(indicators.map((i) => i.indicator).sort()).toEqual([
      'donate-level',
      'monero-wallet',
      'pool-and-user',
      'stratum-url',
    ]);
    expect(indicators.find((i) => i.indicator === 'stratum-url')?.match).toBe('stratum+tcp://127.0.0.1:3333');
  });
  it('needs two weak indicators when no strong one is present', () => {
    expect(
      minerCmdline.detect(
        proc({ 'process.args': ['app', '-a', 'rx/0', '-o', 'pool.example:4444', '-u', 'worker1'] }),
      ),
    ).toMatchObject({ severity: 'high' });
    expect(
      minerCmdline.detect(proc({ 'process.args': ['ssh', '-o', 'StrictHostKeyChecking=no', '-a', 'host'] })),
    ).toBeNull();
    expect(
      minerCmdline.detect(
        proc({ 'process.args': ['curl', '-o', 'out.bin', '-u', 'user:pw', 'https://example.com:8443'] }),
      ),
    ).toBeNull();
  });
});

describe('net.miner-port', () => {
  const det = minerPortDetector(loadMinerPorts());
  const conn = (port: number, extra: EventFields = {}): TelemetryEvent => ({
    kind: 'connection',
    time: 0,
    hostId: 'h1',
    source: 'test',
    fields: {
      'process.pid': 9,
      'process.exe': '/tmp/m',
      'destination.ip': '127.0.0.1',
      'destination.port': port,
      'source.ip': '127.0.0.1',
      'source.port': 40000,
      'network.state': 'ESTABLISHED',
      'network.initiated': true,
      ...extra,
    },
  });
  it('flags an outbound connection to a listed port', () => {
    expect(det.detect(conn(3333))).toMatchObject({
      entity: { kind: 'connection', pid: 9, exe: '/tmp/m', ip: '127.0.0.1', port: 3333 },
    });
  });
  it('ignores unlisted ports, inbound and closed connections', () => {
    expect(det.detect(conn(443))).toBeNull();
    expect(det.detect(conn(3333, { 'network.initiated': false }))).toBeNull();
    expect(det.detect(conn(3333, { 'network.state': 'TIME_WAIT' }))).toBeNull();
  });
});

describe('DetectionEngine with the built-in detectors', () => {
  it('produces schema-valid findings with stable ids, merged across repeated events', () => {
    const engine = new DetectionEngine(builtinDetectors({ minerPorts: loadMinerPorts() }), {
      id: 'h1',
      name: 'host',
    });
    const e = proc({
      'process.exe': '/dev/shm/.x/kdevtmpfsi',
      'process.args': ['kdevtmpfsi', '--donate-level', '1', '-o', 'stratum+tcp://p:3333'],
      'process.startTime': 1000,
    });
    engine.process(e);
    engine.process({ ...e, kind: 'exec' });
    const findings = engine.results();
    expect(findings.map((f) => f.ruleId).sort()).toEqual([
      'miner.cmdline',
      'proc.exe.writable-path',
      'proc.masquerade.kernel-thread',
    ]);
    for (const f of findings) expect(FindingSchema.safeParse(f).success).toBe(true);
    const again = new DetectionEngine(builtinDetectors({ minerPorts: loadMinerPorts() }), {
      id: 'h1',
      name: 'host',
    })
      .processAll([e])
      .results();
    expect(again.map((f) => f.id).sort()).toEqual(findings.map((f) => f.id).sort());
  });
});
