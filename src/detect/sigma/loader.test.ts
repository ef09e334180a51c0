import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRulePaths, loadRuleText } from './loader.js';
import { CompiledRuleset } from './ruleset.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const sigmaData = resolve(repoRoot, '../shared/data/sigma');
const fixtures = resolve(repoRoot, 'test/fixtures/sigma');
const tmp = mkdtempSync(join(tmpdir(), 'mw-sigma-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const GOOD = `title: good\nid: 22222222-2222-4222-8222-222222222222\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        Image|endswith: /xmrig\n    condition: sel\n`;

describe('SigmaHQ Linux rules', () => {
  it('load at 95% or better, and every rule that does not load names its feature', () => {
    const dir = join(sigmaData, 'rules/linux');
    const r = loadRulePaths([dir]);
    const total = r.rules.length + r.failed.length + r.unsupported.length;
    expect(total).toBe(210);
    expect(r.rules.length / total).toBeGreaterThanOrEqual(0.95);
    expect(r.failed).toEqual([]);
    for (const u of r.unsupported) expect(u.feature.length).toBeGreaterThan(5);
  });
});

describe('the specification test files', () => {
  const dir = join(sigmaData, 'sigma-specification/tests/schema');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yml'))
    .map((f) => join(dir, f));
  it('validate: every document is read, and what does not load is unsupported or a missing reference', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
    const r = loadRulePaths(files);
    for (const f of r.failed) expect(f.code).toBe('MW_SIGMA_CORRELATION');
    const failedFiles = new Set(r.failed.map((f) => f.file));
    // The correlation examples name rules that are not in the test set.
    expect([...failedFiles].every((f) => f.includes('/correlation/'))).toBe(true);
    const features = r.unsupported.map((u) => u.feature).join('\n');
    // value_sum and filters are evaluated now; only other taxonomies remain unsupported here.
    expect(features).not.toContain('value_sum');
    expect(features).toContain("taxonomy 'ecs'");
    expect(r.filters.map((f) => f.title)).toContain('Filter Administrator account');
  });
  it('link when the rules they name are present', () => {
    const base = (name: string) =>
      `title: ${name}\nname: ${name}\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        CommandLine|contains: ${name}\n    condition: sel\n`;
    for (const f of ['temporal.yml', 'temporal_ordered.yml']) {
      const dirF = join(tmp, f);
      writeFileSync(dirF, ['recon_cmd_a', 'recon_cmd_b', 'recon_cmd_c'].map(base).join('---\n'));
      const r = loadRulePaths([join(dir, 'correlation', f), dirF]);
      expect(r.failed).toEqual([]);
      expect(r.correlations).toHaveLength(1);
    }
  });
});

describe('collections', () => {
  it('merge action: global into each rule, and a broken document does not stop the others', () => {
    const r = loadRulePaths([join(fixtures, 'mixed_collection.yml')]);
    expect(r.rules.map((x) => x.title)).toEqual(['Collection base', 'Collection second rule']);
    expect(r.rules.every((x) => x.logsource.category === 'process_creation' && x.level === 'medium')).toBe(
      true,
    );
    expect(r.failed).toEqual([expect.objectContaining({ code: 'MW_SIGMA_YAML' })]);
  });
});

describe('hostile input', () => {
  const failOf = (text: string) => {
    const r = loadRuleText(`${GOOD}---\n${text}`, 'hostile.yml');
    expect(r.rules.map((x) => x.title)).toEqual(['good']);
    return r.failed[0];
  };
  it('malformed YAML is one error with its line', () => {
    const f = loadRuleText('title: x\nlogsource: {category: a\ndetection:\n', 'm.yml').failed[0];
    expect(f).toMatchObject({ file: 'm.yml', code: 'MW_SIGMA_YAML' });
    expect(f?.line).toBeGreaterThanOrEqual(2);
    expect(failOf('title: [\n')?.code).toBe('MW_SIGMA_YAML');
  });
  it('a missing title or detection is a schema error', () => {
    expect(failOf('logsource:\n    category: x\ndetection:\n    s: a\n    condition: s\n')).toMatchObject({
      code: 'MW_SIGMA_SCHEMA',
      message: expect.stringContaining('title'),
    });
    expect(failOf('title: t\nlogsource:\n    category: x\n')?.code).toBe('MW_SIGMA_SCHEMA');
  });
  it('an invalid or back-referencing regex is refused at load', () => {
    const rule = (re: string) =>
      `title: r\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        CommandLine|re: '${re}'\n    condition: sel\n`;
    expect(failOf(rule('(unclosed'))).toMatchObject({ code: 'MW_SIGMA_REGEX', line: 15 }); // 9 lines of GOOD, the separator, then line 6;
    expect(failOf(rule('(a)\\1'))?.code).toBe('MW_SIGMA_REGEX');
    expect(failOf(rule('(?=x)y'))?.code).toBe('MW_SIGMA_REGEX');
  });
  it('a catastrophic-backtracking regex runs in linear time', () => {
    const text = `title: redos\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        CommandLine|re: '(a+)+$'\n    condition: sel\n`;
    const rs = new CompiledRuleset(loadRuleText(text, 'redos.yml').rules);
    const evil = `${'a'.repeat(50_000)}!`;
    const ev = (cmd: string) => ({
      event: {
        kind: 'exec' as const,
        time: 0,
        hostId: 'h',
        source: 't',
        fields: { 'process.commandLine': cmd },
      },
    });
    // A backtracking engine needs ~2^50000 steps here; the test's own timeout is the bound.
    expect(rs.match(ev(evil))).toHaveLength(0);
    expect(rs.match(ev('aaaa'))).toHaveLength(1);
  });
  it('10,000-deep condition nesting is a clear error', () => {
    const cond = `${'('.repeat(10_000)}sel${')'.repeat(10_000)}`;
    const f = failOf(
      `title: deep\nlogsource:\n    category: x\ndetection:\n    sel:\n        Image: a\n    condition: ${cond}\n`,
    );
    expect(f).toMatchObject({ code: 'MW_SIGMA_CONDITION', message: expect.stringContaining('nests deeper') });
  });
  it('deeply nested YAML and alias bombs do not crash the loader', () => {
    expect(failOf(`title: n\ndetection: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`)).toBeDefined();
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++)
      bomb.push(
        `${'abcdefghij'[i]}: &${'abcdefghij'[i]} [${Array(9)
          .fill(`*${'abcdefghij'[i - 1]}`)
          .join(',')}]`,
      );
    expect(failOf(`title: bomb\n${bomb.join('\n')}\n`)?.code).toBe('MW_SIGMA_YAML');
  });
  it('a 50 MB rule file is refused by size and the rest of the directory still loads', () => {
    const dir = join(tmp, 'big');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'a_good.yml'), GOOD);
    const big = join(dir, 'b_big.yml');
    writeFileSync(big, '');
    truncateSync(big, 50 * 1024 * 1024);
    expect(statSync(big).size).toBe(50 * 1024 * 1024);
    const r = loadRulePaths([dir]);
    expect(r.rules).toHaveLength(1);
    expect(r.failed).toEqual([
      { file: big, line: 1, code: 'MW_SIGMA_TOO_LARGE', message: expect.stringContaining('52428800 bytes') },
    ]);
  });
  it('a missing path is reported, not thrown', () => {
    expect(loadRulePaths([join(tmp, 'nope')]).failed[0]?.code).toBe('MW_INPUT_NOT_FOUND');
  });
});
