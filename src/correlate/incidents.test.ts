import { describe, expect, it } from 'vitest';
import { type Finding, findingId } from '../model/finding.js';
import { IncidentSchema } from '../model/schemas.js';
import { correlateIncidents } from './incidents.js';

const host = { id: 'h1', name: 'web-1' };
let n = 0;
function finding(partial: Partial<Finding> & Pick<Finding, 'ruleId' | 'category' | 'entity'>): Finding {
  n++;
  return {
    title: partial.ruleId,
    severity: 'high',
    confidence: 0.8,
    techniques: [],
    host,
    time: `2026-11-26T10:00:${String(n % 60).padStart(2, '0')}.000Z`,
    evidence: {},
    ...partial,
    id: findingId(host.id, partial.ruleId, partial.entity),
  };
}

describe('correlateIncidents', () => {
  it('groups a dropper, the miner it started and the miner’s connection into one incident with ordered stages', () => {
    const fs = [
      finding({
        ruleId: 'net.miner-port',
        category: 'network',
        severity: 'medium',
        entity: { kind: 'connection', pid: 300, exe: '/dev/shm/.x/m', ip: '198.51.100.1', port: 3333 },
      }),
      finding({
        ruleId: 'miner.cmdline',
        category: 'impact',
        severity: 'critical',
        techniques: ['T1496'],
        entity: { kind: 'process', pid: 300, exe: '/dev/shm/.x/m' },
      }),
      finding({
        ruleId: 'proc.exe.writable-path',
        category: 'execution',
        entity: { kind: 'process', pid: 200, exe: '/tmp/dropper' },
      }),
      finding({
        ruleId: 'other',
        category: 'execution',
        entity: { kind: 'process', pid: 900, exe: '/tmp/unrelated' },
      }),
    ];
    const processes = new Map([
      [300, { ppid: 250 }],
      [250, { ppid: 200 }],
      [200, { ppid: 1 }],
      [900, { ppid: 1 }],
    ]);
    const incidents = correlateIncidents(fs, { processes });
    expect(incidents).toHaveLength(2);
    const mining = incidents[0]!;
    expect(IncidentSchema.safeParse(mining).success).toBe(true);
    expect(mining.severity).toBe('critical');
    expect(mining.stages).toEqual(['execution', 'command-and-control', 'impact']);
    expect(mining.findings).toHaveLength(3);
    expect(mining.title).toBe('Cryptomining on web-1: /dev/shm/.x/m (pid 300)');
    for (const f of fs.slice(0, 3)) expect(f.incidentId).toBe(mining.id);
    expect(fs[3]!.incidentId).toBe(incidents[1]!.id);
    // Deterministic ids: the same findings give the same incident ids.
    const again = correlateIncidents(
      fs.map((f) => ({ ...f, incidentId: undefined })),
      { processes },
    );
    expect(again.map((i) => i.id)).toEqual(incidents.map((i) => i.id));
  });

  it('does not merge subtrees through init or through a low-severity shared parent', () => {
    const fs = [
      finding({
        ruleId: 'proc.exe.deleted',
        category: 'defense-evasion',
        severity: 'low',
        entity: { kind: 'process', pid: 10, exe: '/usr/sbin/sshd' },
      }),
      finding({ ruleId: 'a', category: 'execution', entity: { kind: 'process', pid: 11, exe: '/tmp/a' } }),
      finding({ ruleId: 'b', category: 'execution', entity: { kind: 'process', pid: 12, exe: '/tmp/b' } }),
    ];
    const processes = new Map([
      [10, { ppid: 1 }],
      [11, { ppid: 10 }],
      [12, { ppid: 10 }],
    ]);
    const incidents = correlateIncidents(fs, { processes });
    expect(incidents.map((i) => i.findings.length).sort()).toEqual([1, 1]);
  });

  it('names the entry point from an initial-access finding linked by address', () => {
    const fs = [
      finding({
        ruleId: 'ssh.success-after-failures',
        category: 'initial-access',
        severity: 'critical',
        title: 'SSH brute force succeeded',
        entity: { kind: 'connection', ip: '203.0.113.5', port: 22 },
      }),
      finding({
        ruleId: 'net.x',
        category: 'network',
        entity: { kind: 'connection', pid: 5, ip: '203.0.113.5', port: 4444 },
      }),
    ];
    const [inc] = correlateIncidents(fs);
    expect(inc?.entryPoint).toMatch(/^SSH brute force succeeded from 203\.0\.113\.5 at 2026-/);
    expect(inc?.stages).toEqual(['initial-access', 'command-and-control']);
  });

  it('opens no incident for posture-only or info findings', () => {
    const fs = [
      finding({
        ruleId: 'posture.ssh',
        category: 'posture',
        entity: { kind: 'config', path: '/etc/ssh/sshd_config' },
      }),
      finding({ ruleId: 'x', category: 'execution', severity: 'info', entity: { kind: 'process', pid: 3 } }),
    ];
    expect(correlateIncidents(fs)).toEqual([]);
    expect(fs.every((f) => f.incidentId === undefined)).toBe(true);
  });
});
