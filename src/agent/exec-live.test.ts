import { afterAll, describe, expect, it } from 'vitest';
import { FakeRoot } from '../../test/helpers/fake-proc.js';
import type { Detector } from '../detect/detector.js';
import { DetectionEngine } from '../detect/engine.js';
import type { TelemetryEvent } from '../model/event.js';
import type { ProcessInfo } from '../model/inventory.js';
import { BuiltinDetectorSet } from '../scan/detector-set.js';
import { processEvent } from '../sources/procfs/events.js';
import type { IngestBatch } from '../store/types.js';
import { ExecLiveDetection } from './exec-live.js';

const root = new FakeRoot();
afterAll(() => root.cleanup());
const builtin = new BuiltinDetectorSet(root.root);
const HOST = { id: 'h-live', name: 'h-live' };
// FakeRoot's btime is 1700000000 s; a process with starttime 1000 ticks started 10 s after boot.
const START = 1_700_000_010_000;
const DOCKER = 'a'.repeat(64);
const EXE = '/dev/shm/.x/kdevtmpfsi';
const ARGS = ['kworker/0:1', '-o', 'stratum+tcp://127.0.0.1:3333', '--donate-level', '1'];

function exec(pid: number, exe = EXE, args = ARGS, kind: 'exec' | 'exit' = 'exec'): TelemetryEvent {
  return {
    kind,
    time: START + 5,
    hostId: HOST.id,
    source: 'netlink',
    fields: {
      'process.pid': pid,
      'process.ppid': 1,
      'process.name': exe.slice(exe.lastIndexOf('/') + 1).slice(0, 15),
      'process.exe': exe,
      'process.exeDeleted': false,
      'process.exeMemfd': false,
      'process.startTime': START,
      'process.uid': 0,
      'process.user': 'root',
      'process.args': args,
      'process.commandLine': args.join(' '),
      'parent.exe': null,
      'parent.commandLine': null,
    },
  };
}

function live(
  opts: { flushMs?: number; detectors?: () => readonly Detector[]; generation?: () => number } = {},
) {
  const queued: IngestBatch[] = [];
  const d = new ExecLiveDetection({
    host: () => HOST,
    detectors: opts.detectors ?? (() => builtin.forScan()),
    ...(opts.generation ? { generation: opts.generation } : {}),
    enqueue: (b) => queued.push(b),
    flushMs: opts.flushMs ?? 60_000,
    procDir: root.proc,
  });
  const findings = () => queued.flatMap((b) => b.findings);
  return { d, queued, findings };
}

const tick = (ms = 30) => new Promise((r) => setTimeout(r, ms));

describe('exec live detection', () => {
  it('queues location, command-line and masquerade findings of one exec at once, each once', async () => {
    const { d, queued, findings } = live();
    d.push(exec(4100));
    await tick();
    expect(findings().map((f) => f.ruleId)).toEqual(
      expect.arrayContaining(['proc.exe.writable-path', 'miner.cmdline', 'proc.masquerade.kernel-thread']),
    );
    expect(queued).toHaveLength(1);
    expect(queued[0]?.batchId).toMatch(/:exec:1$/);
    for (const f of findings()) expect(f.entity).toMatchObject({ kind: 'process', pid: 4100, exe: EXE });
    // The same exec again (a replayed batch) leaves nothing new.
    d.push(exec(4100));
    d.flush();
    expect(queued).toHaveLength(1);
    expect(d.status()).toMatchObject({ events: 2, hits: 2, shipped: findings().length });
  });

  it('holds later findings until flushMs after the last flush, and ignores exits and harmless execs', async () => {
    const { d, queued } = live({ flushMs: 200 });
    d.push(exec(4200, '/usr/bin/true', ['true']));
    d.push(exec(4200, EXE, ARGS, 'exit'));
    await tick();
    expect(queued).toHaveLength(0);
    expect(d.status()).toMatchObject({ events: 2, hits: 0 });
    d.push(exec(4201));
    await tick();
    expect(queued).toHaveLength(1);
    d.push(exec(4202));
    d.push(exec(4203));
    await tick();
    expect(queued).toHaveLength(1);
    await tick(250);
    expect(queued).toHaveLength(2);
    expect(new Set(queued[1]?.findings.map((f) => f.entity.pid))).toEqual(new Set([4202, 4203]));
    d.stop();
  });

  it('gives the ids a scan gives the same process: its container, and its name after a rename', async () => {
    // The process renamed itself (comm) after the exec the source described.
    const cgroup = `0::/system.slice/docker-${DOCKER}.scope\n`;
    root.add({ pid: 4300, comm: 'kworkerds', exe: EXE, argv: ARGS, starttime: 1000, cgroup });
    const { d, findings } = live();
    d.push(exec(4300));
    await tick();
    for (const f of findings()) expect(f.entity).toMatchObject({ container: DOCKER, name: 'kworkerds' });

    const p: ProcessInfo = {
      pid: 4300,
      ppid: 1,
      name: 'kworkerds',
      state: 'S',
      uid: 0,
      user: 'root',
      exe: EXE,
      exeDeleted: false,
      exeMemfd: false,
      exeReplaced: false,
      args: ARGS,
      argsTruncated: false,
      cwd: '/',
      startTime: START,
      threads: 1,
      rssBytes: 1 << 20,
      cpuSeconds: 0,
      childCpuSeconds: 0,
      cpuPercent: 0,
      kernelThread: false,
      containerId: DOCKER,
      containerRuntime: 'docker',
      netns: null,
      sha256: null,
      socketInodes: [],
    };
    const scan = new DetectionEngine(builtin.forScan(), HOST);
    scan.process(processEvent(HOST.id, p, undefined, START + 60_000));
    const scanIds = new Map(scan.results().map((f) => [f.ruleId, f.id]));
    expect(findings().length).toBeGreaterThanOrEqual(3);
    for (const f of findings()) expect(scanIds.get(f.ruleId), f.ruleId).toBe(f.id);
  });

  it('does not take the name or container of a process that reused the pid', async () => {
    root.add({ pid: 4400, comm: 'other', exe: EXE, starttime: 2000, cgroup: `0::/docker/${DOCKER}\n` });
    const { d, findings } = live();
    d.push(exec(4400));
    await tick();
    expect(findings().length).toBeGreaterThan(0);
    for (const f of findings()) {
      expect(f.entity.container).toBeUndefined();
      expect(f.entity.name).toBe('kdevtmpfsi');
    }
  });

  it('takes new detectors when the generation moves, and survives a detector that throws', () => {
    let gen = 1;
    let calls = 0;
    const boom: Detector = {
      meta: { ...builtin.forScan()[0]!.meta, id: 'test.boom' },
      kinds: ['exec'],
      detect: () => {
        throw new Error('boom');
      },
    };
    const { d } = live({
      detectors: () => {
        calls++;
        return gen === 1 ? builtin.forScan() : [boom];
      },
      generation: () => gen,
    });
    d.push(exec(4500, '/usr/bin/true', ['true']));
    d.push(exec(4501, '/usr/bin/true', ['true']));
    expect(calls).toBe(1);
    const execOnly = (d.status() as { execDetectors: number }).execDetectors;
    expect(execOnly).toBeGreaterThan(5);
    expect(execOnly).toBeLessThan(builtin.forScan().length);
    gen = 2;
    d.push(exec(4502, '/usr/bin/true', ['true']));
    d.push(exec(4503, '/usr/bin/true', ['true']));
    expect(calls).toBe(2);
    expect(d.status()).toMatchObject({ events: 4, errors: 2, execDetectors: 1 });
  });
});
