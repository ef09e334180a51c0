import { describe, expect, it } from 'vitest';
import { finding } from '../../test/fleet/fixtures.js';
import type { Finding } from '../model/finding.js';
import { banList, fleetFindings, groupByIndicator, indicatorOf } from './fleet-correlate.js';
import { agentDarkFinding } from './fleet-dark.js';

const pool = (host: string, matched: unknown, time = '2025-01-01T00:00:00Z'): Finding => ({
  ...finding(host, 1, time),
  ruleId: 'net.pool-connection',
  entity: { kind: 'connection', ip: '203.0.113.5' },
  evidence: { matched },
});
const miner = (host: string, sha256: unknown): Finding => ({
  ...finding(host, 1),
  ruleId: 'miner.file',
  evidence: { sha256 },
});

describe('indicators', () => {
  it('takes the matched pool, normalised; falls back to the address; ignores non-strings and huge values', () => {
    expect(indicatorOf(pool('a', 'Pool.Example.COM.'))).toEqual({ kind: 'pool', value: 'pool.example.com' });
    expect(indicatorOf(pool('a', { toString: 'x' }))).toEqual({ kind: 'pool', value: '203.0.113.5' });
    expect(indicatorOf(pool('a', 'x'.repeat(10_000)))).toEqual({ kind: 'pool', value: '203.0.113.5' });
  });

  it('a miner hash must be 64 hex characters; other rules say nothing', () => {
    expect(indicatorOf(miner('a', 'A'.repeat(64)))).toEqual({ kind: 'miner-hash', value: 'a'.repeat(64) });
    expect(indicatorOf(miner('a', 'not-a-hash'))).toBeNull();
    expect(indicatorOf(miner('a', ['a'.repeat(64)]))).toBeNull();
    expect(indicatorOf(finding('a', 1))).toBeNull();
  });
});

describe('groups', () => {
  it('needs minHosts distinct hosts, not findings; time compares instants across offsets', () => {
    const one = groupByIndicator([pool('a', 'p.example'), { ...pool('a', 'p.example'), id: 'other' }], 2);
    expect(one).toHaveLength(0);
    const g = groupByIndicator(
      [pool('a', 'p.example', '2025-01-01T10:00:00+02:00'), pool('b', 'p.example', '2025-01-01T09:00:00Z')],
      2,
    );
    expect(g).toHaveLength(1);
    expect(g[0]?.lastTime).toBe('2025-01-01T09:00:00Z');
    const fs = fleetFindings(g[0]!);
    expect(fs.map((f) => f.host.id).sort()).toEqual(['a', 'b']);
    expect(new Set(fs.map((f) => f.incidentId)).size).toBe(1);
    expect(new Set(fs.map((f) => f.id)).size).toBe(2);
  });

  it('bans expire ttl after the last finding', () => {
    const brute = (h: string): Finding => ({
      ...finding(h, 1),
      ruleId: 'ssh.brute-force',
      entity: { kind: 'source-ip', ip: '192.0.2.1' },
    });
    const g = groupByIndicator([brute('a'), brute('b')], 2);
    const t = Date.parse('2025-01-01T00:00:00Z');
    expect(banList(g, 3_600_000, t + 1000).map((b) => b.ip)).toEqual(['192.0.2.1']);
    expect(banList(g, 3_600_000, t + 3_600_000)).toEqual([]);
  });
});

describe('agent dark', () => {
  it('fires after exactly three missed intervals, with a stable id and time', () => {
    const h = { id: 'h', name: 'h' };
    const last = '2025-01-01T00:00:00.000Z';
    expect(agentDarkFinding(h, last, 1000, Date.parse(last) + 3000)).toBeNull();
    const a = agentDarkFinding(h, last, 1000, Date.parse(last) + 3001);
    const b = agentDarkFinding(h, last, 1000, Date.parse(last) + 99_000);
    expect(a?.id).toBe(b?.id);
    expect(a?.time).toBe('2025-01-01T00:00:03.000Z');
    expect(agentDarkFinding(h, 'garbage', 1000, 0)).toBeNull();
  });
});
