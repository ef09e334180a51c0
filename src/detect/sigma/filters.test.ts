import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MinewardenError } from '../../model/errors.js';
import type { TelemetryEvent } from '../../model/event.js';
import { loadRuleText } from './loader.js';
import { readPlaceholderFile } from './placeholder-file.js';
import { CompiledRuleset } from './ruleset.js';

const RULE = (id: string, word: string, category = 'process_creation') =>
  `title: r${id}\nid: ${id}\nlogsource:\n    product: linux\n    category: ${category}\ndetection:\n    sel:\n        CommandLine|contains: '${word}'\n    condition: sel\n`;
const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

const exec = (cmd: string, user: string): { event: TelemetryEvent } => ({
  event: {
    kind: 'exec',
    time: 0,
    hostId: 'h',
    source: 't',
    fields: { 'process.commandLine': cmd, 'process.user': user },
  },
});

function titles(text: string, cmd: string, user: string, placeholders?: Map<string, string[]>): string[] {
  const r = loadRuleText(text, 'f.yml', { placeholders });
  expect(r.failed).toEqual([]);
  return new CompiledRuleset(r.rules).match(exec(cmd, user)).map((x) => x.title);
}

describe('Sigma filters', () => {
  const filter = (rules: string, category = 'process_creation') =>
    `title: admins\nlogsource:\n    category: ${category}\nfilter:\n    rules:\n${rules}\n    selection:\n        User|startswith: 'adm_'\n    condition: selection\n`;
  const pack = (f: string) => [RULE(A, 'tar'), RULE(B, 'tar'), f].join('---\n');
  it('suppresses the named rules where the filter condition holds, and only those', () => {
    const text = pack(filter(`        - ${A}`));
    expect(titles(text, 'tar czf x', 'adm_bob')).toEqual([`r${B}`]);
    expect(titles(text, 'tar czf x', 'alice')).toEqual([`r${A}`, `r${B}`]);
  });
  it('leaves rules alone when the filter logsource does not fit them', () => {
    expect(titles(pack(filter(`        - ${A}`, 'network_connection')), 'tar', 'adm_bob')).toEqual([
      `r${A}`,
      `r${B}`,
    ]);
  });
  it('ignores rule references that are not loaded, and reports a broken filter by line', () => {
    expect(
      titles(pack(filter('        - 99999999-9999-4999-8999-999999999999')), 'tar', 'adm_x'),
    ).toHaveLength(2);
    const broken = loadRuleText(
      'title: f\nlogsource:\n    category: process_creation\nfilter:\n    rules: [x]\n    selection:\n        User|nosuchmod: a\n    condition: selection\n',
      'f.yml',
    );
    expect(broken.failed).toEqual([expect.objectContaining({ code: 'MW_SIGMA_MODIFIER', line: 7 })]);
    expect(
      loadRuleText('title: f\nlogsource: {}\nfilter:\n    selection: {a: b}\n', 'f.yml').failed[0]?.code,
    ).toBe('MW_SIGMA_SCHEMA');
  });
});

describe('expand placeholders', () => {
  const rule = `title: admins\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        User|expand: '%admins%'\n    condition: sel\n`;
  it('matches any value the placeholder map gives', () => {
    const map = new Map([['admins', ['root', 'adm_*']]]);
    expect(titles(rule, 'ls', 'adm_ops', map)).toEqual(['admins']);
    expect(titles(rule, 'ls', 'ROOT', map)).toEqual(['admins']);
    expect(titles(rule, 'ls', 'bob', map)).toEqual([]);
  });
  it('reports a placeholder without values as unsupported, naming it', () => {
    const r = loadRuleText(rule, 'e.yml');
    expect(r.rules).toEqual([]);
    expect(r.unsupported[0]?.feature).toContain('%admins%');
  });
  it('reads placeholder files and names the bad field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-ph-'));
    writeFileSync(join(dir, 'ok.yml'), 'admins: [root, adm_ops]\nport: 22\n');
    expect(readPlaceholderFile(join(dir, 'ok.yml'))).toEqual(
      new Map([
        ['admins', ['root', 'adm_ops']],
        ['port', ['22']],
      ]),
    );
    writeFileSync(join(dir, 'bad.yml'), 'admins:\n  nested: {a: 1}\n');
    expect(() => readPlaceholderFile(join(dir, 'bad.yml'))).toThrow(MinewardenError);
    expect(() => readPlaceholderFile(join(dir, 'bad.yml'))).toThrow(/admins/);
    expect(() => readPlaceholderFile(join(dir, 'none.yml'))).toThrow(/cannot read/);
  });
});
