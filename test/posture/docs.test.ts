import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../../src/posture/checks/index.js';

const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/posture.md'), 'utf8');

describe('docs/posture.md', () => {
  it('lists every posture check with its severity, and nothing that does not exist', () => {
    const rows = [...doc.matchAll(/^\| `(posture\.[a-z0-9.-]+)` \| (\w+) \|/gm)].map((m) => [m[1], m[2]]);
    expect(rows.sort()).toEqual(ALL_CHECKS.map((c) => [c.meta.id, c.meta.severity]).sort());
  });

  it('every check has remediation and at least one reference', () => {
    for (const c of ALL_CHECKS) {
      expect(c.meta.remediation.length, c.meta.id).toBeGreaterThan(10);
      expect(c.meta.references.length, c.meta.id).toBeGreaterThan(0);
    }
  });
});
