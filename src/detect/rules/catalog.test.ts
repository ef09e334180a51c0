import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderRuleCatalog } from './catalog.js';
import { loadRulePack } from './pack.js';

const DOC = resolve(import.meta.dirname, '../../../docs/rules.md');

describe('docs/rules.md', () => {
  it('is what the rules say (regenerate: npm run build && node scripts/gen-rules-doc.mjs)', () => {
    expect(readFileSync(DOC, 'utf8')).toBe(renderRuleCatalog());
  });

  it('lists every pack rule and coded detector with its severity and technique', () => {
    const doc = renderRuleCatalog();
    for (const { fields } of loadRulePack().rules) expect(doc).toContain(`| \`${fields.name}\` |`);
    expect(doc).toContain('| `miner.behaviour` |');
    expect(doc).toMatch(
      /\| `miner\.msr-writes` \| [^|]+ \| high \| 0\.85 \| T1496 Resource Hijacking; T1547\.006/,
    );
  });
});
