import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TECHNIQUES } from '../../model/techniques.js';
import { DetectionEngine } from '../engine.js';
import { loadRulePaths } from '../sigma/index.js';
import { builtinPackDetectors } from './builtin-pack.js';
import { loadRulePack, packDetectors, packDir } from './pack.js';
import { packJson } from './pack-json.js';
import { packTestEvent } from './test-event.js';

const pack = loadRulePack();
// What ships: the pack compiled from pack.json, so the rule tests below run against it.
const detectors = builtinPackDetectors();

function matchedRules(ev: Parameters<typeof packTestEvent>[0]): string[] {
  const engine = new DetectionEngine(detectors, { id: 'test', name: 'test' });
  engine.process(packTestEvent(ev));
  return engine.results().map((f) => f.ruleId);
}

describe('built-in rule pack', () => {
  it('lints clean: every rule loads, none uses an unsupported feature', () => {
    const r = loadRulePaths([packDir()]);
    expect(r.failed).toEqual([]);
    expect(r.unsupported).toEqual([]);
    expect(r.rules.length).toBe(pack.rules.length);
    expect(pack.rules.length).toBeGreaterThanOrEqual(25);
  });

  it('pack.json is the YAML pack, loaded (regenerate: node --import tsx scripts/gen-rule-pack.mjs)', () => {
    const file = JSON.parse(readFileSync(join(import.meta.dirname, 'pack.json'), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(packJson(pack))));
  });

  it('the shipped detectors state the same rules and metadata as the YAML', () => {
    const fromYaml = packDetectors(pack);
    expect(detectors.map((d) => d.meta)).toEqual(fromYaml.map((d) => d.meta));
    expect(detectors.map((d) => d.kinds)).toEqual(fromYaml.map((d) => d.kinds));
  });

  it('every rule states id, level, ATT&CK techniques, false positives, recommendation and confidence', () => {
    for (const { rule, fields } of pack.rules) {
      expect(rule.id, rule.file).toMatch(/^[0-9a-f-]{36}$/);
      expect(rule.level, rule.file).toBeDefined();
      const techniques = rule.tags.filter((t) => /^attack\.t\d{4}/.test(t));
      expect(techniques.length, rule.file).toBeGreaterThan(0);
      for (const t of techniques)
        expect(TECHNIQUES, `${rule.file} ${t}`).toHaveProperty(t.slice(7).toUpperCase());
      expect(rule.falsepositives.length, rule.file).toBeGreaterThan(0);
      expect(fields.recommendation.length).toBeGreaterThan(10);
    }
  });

  it('findings carry the pack name as rule id and the custom confidence and recommendation', () => {
    const msr = detectors.find((d) => d.meta.id === 'miner.msr-writes');
    expect(msr?.meta).toMatchObject({ confidence: 0.85, severity: 'high', category: 'impact' });
    expect(msr?.meta.recommendation).toMatch(/modprobe -r msr/);
    expect(msr?.meta.techniques).toEqual(['T1496', 'T1547.006']);
  });

  for (const { fields } of pack.rules) {
    describe(fields.name, () => {
      it.each(fields.tests.match.map((e, i) => [i, e] as const))('matches positive event %i', (_i, ev) => {
        expect(matchedRules(ev)).toContain(fields.name);
      });
      it.each(fields.tests.nomatch.map((e, i) => [i, e] as const))('ignores negative event %i', (_i, ev) => {
        expect(matchedRules(ev)).not.toContain(fields.name);
      });
    });
  }
});
