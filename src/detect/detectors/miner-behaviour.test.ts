import { describe, expect, it } from 'vitest';
import type { EventFields, TelemetryEvent } from '../../model/event.js';
import { minerBehaviour } from './miner-behaviour.js';
import { minerCpuSustained } from './miner-cpu-sustained.js';
import { ownershipFromMap } from './package-ownership.js';

const NOW = 1_700_000_000_000;
const dpkg = ownershipFromMap(new Map([['/bin/gzip', 'gzip']]));

function proc(
  pid: number,
  exe: string,
  cpuPercent: number,
  cpuSeconds: number,
  ageS: number,
): TelemetryEvent {
  const fields: EventFields = {
    'process.pid': pid,
    'process.exe': exe,
    'process.commandLine': `${exe} --serve`,
    'process.cpuPercent': cpuPercent,
    'process.cpuSeconds': cpuSeconds,
    'process.startTime': NOW - ageS * 1000,
  };
  return { kind: 'process', time: NOW, hostId: 'h', source: 'test', fields };
}

function sock(kind: 'connection' | 'listener', pid: number, initiated = true): TelemetryEvent {
  return {
    kind,
    time: NOW,
    hostId: 'h',
    source: 'test',
    fields: {
      'process.pid': pid,
      'network.state': kind === 'listener' ? 'LISTEN' : 'ESTABLISHED',
      'destination.ip': '127.0.0.1',
      'destination.port': 3333,
      ...(kind === 'connection' ? { 'network.initiated': initiated } : {}),
    },
  };
}

describe('miner.behaviour', () => {
  it('reports a busy, long-lived, unpackaged process once its outbound connection is seen', () => {
    const d = minerBehaviour({ packages: dpkg });
    expect(d.detect(proc(10, '/opt/svc/bin/dbus-helper', 99, 60, 60))).toBeNull();
    const hit = d.detect(sock('connection', 10));
    expect(hit).toMatchObject({
      entity: { kind: 'process', pid: 10, exe: '/opt/svc/bin/dbus-helper' },
      evidence: { remote: '127.0.0.1:3333', packageDb: 'dpkg', averageCores: 1 },
    });
    expect(d.snapshot()).toHaveLength(1);
  });

  it('leaves packaged programs, servers, young or bursty processes and inbound connections alone', () => {
    const d = minerBehaviour({ packages: dpkg });
    d.detect(proc(11, '/usr/bin/gzip', 99, 60, 60));
    expect(d.detect(sock('connection', 11))).toBeNull();
    d.detect(proc(12, '/opt/java/bin/java', 99, 60, 60));
    d.detect(sock('listener', 12));
    expect(d.detect(sock('connection', 12))).toBeNull();
    d.detect(proc(13, '/opt/a/young', 99, 5, 5));
    expect(d.detect(sock('connection', 13))).toBeNull();
    d.detect(proc(14, '/opt/a/bursty', 99, 10, 600));
    expect(d.detect(sock('connection', 14))).toBeNull();
    d.detect(proc(15, '/opt/a/server', 99, 60, 60));
    expect(d.detect(sock('connection', 15, false))).toBeNull();
  });

  it('is weaker when there is no package database to ask', () => {
    const d = minerBehaviour();
    d.detect(proc(16, '/opt/svc/x', 100, 30, 30));
    expect(d.detect(sock('connection', 16))).toMatchObject({
      severity: 'medium',
      evidence: { packageDb: 'none' },
    });
  });
});

/** A process the scheduler starved: it got `cpuPercent` but sat runnable for the rest (schedstat wait). */
function starved(
  pid: number,
  exe: string,
  cpuPercent: number,
  demandPercent: number,
  ageS: number,
): TelemetryEvent {
  const e = proc(pid, exe, cpuPercent, (cpuPercent / 100) * ageS, ageS);
  const fields: EventFields = {
    ...e.fields,
    'process.cpuDemandPercent': demandPercent,
    'process.cpuWaitSeconds': ((demandPercent - cpuPercent) / 100) * ageS,
  };
  return { ...e, fields };
}

describe('CPU demand on a contended host', () => {
  it('counts a CPU-bound process that gets few cycles (runnable all the time) as busy', () => {
    const d = minerBehaviour({ packages: dpkg });
    d.detect(starved(30, '/opt/svc/bin/worker', 20, 200, 60));
    expect(d.detect(sock('connection', 30))).toMatchObject({
      evidence: { cpuPercent: 20, averageCores: 0.2, demandPercent: 200, averageDemandCores: 2 },
    });
    const c = minerCpuSustained({ packages: dpkg });
    expect(c.detect(starved(31, '/opt/svc/bin/worker', 20, 200, 60))).toMatchObject({
      severity: 'medium',
      evidence: { averageDemandCores: 2 },
    });
  });

  it('does not count a mostly sleeping process, nor a starved one without schedstat', () => {
    const d = minerBehaviour({ packages: dpkg });
    // ran 5% and waited 5%: asleep the other 90%
    d.detect(starved(32, '/opt/svc/bin/client', 5, 10, 60));
    expect(d.detect(sock('connection', 32))).toBeNull();
    d.detect(proc(33, '/opt/svc/bin/worker', 20, 12, 60));
    expect(d.detect(sock('connection', 33))).toBeNull();
    const c = minerCpuSustained({ packages: dpkg });
    expect(c.detect(starved(34, '/opt/svc/bin/client', 5, 10, 60))).toBeNull();
  });
});

describe('miner.cpu-sustained', () => {
  it('grades by reason: writable path high, unpackaged medium, only new low', () => {
    const d = minerCpuSustained({ packages: dpkg });
    expect(d.detect(proc(20, '/tmp/.x/a', 95, 60, 60))).toMatchObject({
      severity: 'high',
      evidence: { reasons: ['writable-path', 'unpackaged', 'new'] },
    });
    expect(d.detect(proc(21, '/opt/build/cc1plus', 95, 60, 60))).toMatchObject({ severity: 'medium' });
    expect(d.detect(proc(22, '/bin/gzip', 95, 60, 60))).toMatchObject({
      severity: 'low',
      evidence: { reasons: ['new'] },
    });
  });

  it('needs the CPU to last: a spike in an old process counts only once observed for the window', () => {
    const d = minerCpuSustained({ packages: dpkg, windowSeconds: 10 });
    const first = proc(23, '/opt/x/svc', 95, 100, 100_000);
    expect(d.detect(first)).toBeNull();
    const later = { ...first, time: NOW + 11_000 };
    expect(d.detect(later)).toMatchObject({ severity: 'medium', evidence: { sustainedSeconds: 11 } });
  });

  it('ignores idle, packaged old processes and events without CPU data', () => {
    const d = minerCpuSustained({ packages: dpkg });
    expect(d.detect(proc(24, '/tmp/x', 10, 1, 60))).toBeNull();
    expect(d.detect(proc(25, '/bin/gzip', 99, 100_000, 100_000))).toBeNull();
    expect(d.detect({ ...proc(26, '/tmp/x', 99, 60, 60), fields: { 'process.pid': 26 } })).toBeNull();
  });
});
