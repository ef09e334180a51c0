import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FindingSchema } from '../../model/schemas.js';
import { DetectionEngine } from '../engine.js';
import { categoryOf, severityOf, sigmaDetectors, techniquesOf } from './findings.js';
import { loadRulePaths } from './loader.js';
import { CompiledRuleset } from './ruleset.js';

const fixtures = resolve(import.meta.dirname, '../../../test/fixtures/sigma');

describe('Sigma matches as findings', () => {
  it('map level, tags and category', () => {
    expect(severityOf('informational')).toBe('info');
    expect(severityOf('critical')).toBe('critical');
    expect(techniquesOf(['attack.t1496', 'attack.T1053.003', 'attack.t9999', 'attack.impact'])).toEqual([
      'T1496',
      'T1053.003',
    ]);
    expect(categoryOf(['attack.t1496', 'attack.impact'], { category: 'process_creation' })).toBe('impact');
    expect(categoryOf([], { category: 'network_connection' })).toBe('network');
  });
  it('go through DetectionEngine like coded detectors and satisfy the Finding schema', () => {
    const loaded = loadRulePaths([resolve(fixtures, 'mining_pool_process.yml')]);
    const engine = new DetectionEngine(sigmaDetectors(new CompiledRuleset(loaded.rules)), {
      id: 'h1',
      name: 'web1',
    });
    engine.process({
      kind: 'exec',
      time: Date.parse('2026-03-01T10:00:00Z'),
      hostId: 'h1',
      source: 'exec',
      fields: {
        'process.pid': 4242,
        'process.exe': '/tmp/.x/xmrig',
        'process.commandLine': '/tmp/.x/xmrig -o stratum+tcp://pool:3333 -u w',
      },
    });
    engine.process({
      kind: 'exec',
      time: 1,
      hostId: 'h1',
      source: 'exec',
      fields: { 'process.exe': '/usr/bin/grep', 'process.commandLine': 'grep stratum+tcp:// x' },
    });
    const findings = engine.results();
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(FindingSchema.safeParse(f).success).toBe(true);
    expect(f).toMatchObject({
      ruleId: 'sigma.3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b05',
      severity: 'high',
      category: 'impact',
      techniques: ['T1496'],
      entity: { kind: 'process', pid: 4242, exe: '/tmp/.x/xmrig' },
    });
    expect(f.evidence['fields']).toEqual({
      'process.commandLine': '/tmp/.x/xmrig -o stratum+tcp://pool:3333 -u w',
      'process.exe': '/tmp/.x/xmrig',
    });
  });
});
