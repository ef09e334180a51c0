import { describe, expect, it } from 'vitest';
import { parseCondition } from './condition.js';
import { loadRuleText } from './loader.js';
import { CompiledRuleset } from './ruleset.js';
import { SigmaRuleError } from './types.js';

/** Identifiers a, b, c, sel_x, sel_y, _hidden each test one keyword of the same name; conditions combine them. */
function evalCondition(condition: string, present: readonly string[]): boolean {
  const ids = ['a', 'b', 'c', 'sel_x', 'sel_y', '_hidden'];
  const detection = ids.map((id) => `    ${id}:\n        CommandLine|contains: '<${id}>'`).join('\n');
  const text = `title: t\nlogsource:\n    category: process_creation\ndetection:\n${detection}\n    condition: ${condition}\n`;
  const r = loadRuleText(text, 'c.yml');
  if (r.failed.length || r.unsupported.length) throw new Error(JSON.stringify([r.failed, r.unsupported]));
  const cmd = present.map((p) => `<${p}>`).join(' ');
  return (
    new CompiledRuleset(r.rules).match({
      event: { kind: 'exec', time: 0, hostId: 'h', source: 't', fields: { 'process.commandLine': cmd } },
    }).length === 1
  );
}

describe('condition forms', () => {
  it('and, or, not', () => {
    expect(evalCondition('a and b', ['a', 'b'])).toBe(true);
    expect(evalCondition('a and b', ['a'])).toBe(false);
    expect(evalCondition('a or b', ['b'])).toBe(true);
    expect(evalCondition('a or b', [])).toBe(false);
    expect(evalCondition('a and not b', ['a'])).toBe(true);
    expect(evalCondition('a and not b', ['a', 'b'])).toBe(false);
    expect(evalCondition('not a', [])).toBe(true);
  });
  it('and binds tighter than or, not tighter than and', () => {
    // a or (b and c)
    expect(evalCondition('a or b and c', ['a'])).toBe(true);
    expect(evalCondition('a or b and c', ['b'])).toBe(false);
    // (not a) and b
    expect(evalCondition('not a and b', ['b'])).toBe(true);
    expect(evalCondition('not a and b', ['a', 'b'])).toBe(false);
  });
  it('parentheses override precedence', () => {
    expect(evalCondition('(a or b) and c', ['a'])).toBe(false);
    expect(evalCondition('(a or b) and c', ['b', 'c'])).toBe(true);
    expect(evalCondition('not (a or b)', ['b'])).toBe(false);
  });
  it('1 of / all of a pattern', () => {
    expect(evalCondition('1 of sel_*', ['sel_y'])).toBe(true);
    expect(evalCondition('1 of sel_*', ['a'])).toBe(false);
    expect(evalCondition('all of sel_*', ['sel_x'])).toBe(false);
    expect(evalCondition('all of sel_*', ['sel_x', 'sel_y'])).toBe(true);
    expect(evalCondition('any of sel_*', ['sel_x'])).toBe(true);
    expect(evalCondition('2 of sel_*', ['sel_x'])).toBe(false);
  });
  it('1 of them / all of them skip identifiers starting with _', () => {
    expect(evalCondition('1 of them', ['_hidden'])).toBe(false);
    expect(evalCondition('1 of them', ['c'])).toBe(true);
    expect(evalCondition('all of them', ['a', 'b', 'c', 'sel_x', 'sel_y'])).toBe(true);
    expect(evalCondition('all of them', ['a', 'b', 'c', 'sel_x'])).toBe(false);
  });
  it('x of binds tighter than not and and', () => {
    expect(evalCondition('not 1 of sel_* and a', ['a'])).toBe(true);
    expect(evalCondition('not 1 of sel_* and a', ['a', 'sel_x'])).toBe(false);
  });
  it('a list of conditions is OR', () => {
    const text = `title: t\nlogsource:\n    category: process_creation\ndetection:\n    a:\n        Image: /a\n    b:\n        Image: /b\n    condition:\n        - a\n        - b\n`;
    const rs = new CompiledRuleset(loadRuleText(text, 'l.yml').rules);
    const ev = (exe: string) => ({
      event: { kind: 'exec' as const, time: 0, hostId: 'h', source: 't', fields: { 'process.exe': exe } },
    });
    expect(rs.match(ev('/b'))).toHaveLength(1);
    expect(rs.match(ev('/c'))).toHaveLength(0);
  });
});

describe('condition errors', () => {
  const err = (text: string): SigmaRuleError => {
    try {
      parseCondition(text, 7);
    } catch (e) {
      if (e instanceof SigmaRuleError) return e;
      throw e;
    }
    throw new Error('no error');
  };
  it('reports syntax errors with their position', () => {
    expect(err('a and').code).toBe('MW_SIGMA_CONDITION');
    expect(err('(a or b').message).toContain("expected ')'");
    expect(err('a b').message).toContain('unexpected token');
    expect(err('a and').line).toBe(7);
  });
  it('refuses 10,000-deep nesting with a clear error, not a stack overflow', () => {
    const deep = `${'('.repeat(10_000)}a${')'.repeat(10_000)}`;
    expect(err(deep).message).toContain('nests deeper than');
    expect(err(`${'not '.repeat(10_000)}a`).message).toContain('nests deeper than');
  });
  it('Sigma 1.x aggregations are unsupported features', () => {
    expect(err('sel | count() by x > 5').code).toBe('unsupported');
    expect(err('a near b').code).toBe('unsupported');
  });
  it('unknown identifiers and empty patterns fail at load', () => {
    const text = `title: t\nlogsource:\n    category: process_creation\ndetection:\n    a:\n        Image: /a\n    condition: a and nope\n`;
    expect(loadRuleText(text, 'u.yml').failed[0]).toMatchObject({ code: 'MW_SIGMA_CONDITION', line: 7 });
    const pat = text.replace('a and nope', '1 of zz*');
    expect(loadRuleText(pat, 'u.yml').failed[0]?.message).toContain("'zz*' matches no search identifier");
  });
});
