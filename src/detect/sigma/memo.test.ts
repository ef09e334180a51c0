import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TelemetryEvent } from '../../model/event.js';
import { loadRulePaths, loadRuleText } from './loader.js';
import { memoKey } from './memo.js';
import { CompiledRuleset } from './ruleset.js';

describe('memoKey', () => {
  it('gives different inputs different keys', () => {
    const fields = ['a', 'b'];
    const keys = [
      { a: 'x', b: 'y' },
      { a: 'xy', b: '' },
      { a: 'x' },
      { a: 'x', b: null },
      { a: '1', b: 'y' },
      { a: 1, b: 'y' },
      { a: true, b: 'y' },
      { a: 'true', b: 'y' },
      { a: ['x', 'y'] },
      { a: ['xy'] },
      { a: 's1:x', b: 'y' },
    ].map((v) => memoKey(v, fields));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('gives up on long values', () => {
    expect(memoKey({ a: 'x'.repeat(10_000) }, ['a'])).toBeNull();
  });
});

describe('a ruleset that remembers answers', () => {
  const rules = loadRulePaths([
    resolve(import.meta.dirname, '../../../../shared/data/sigma/rules/linux'),
  ]).rules;
  const words = [
    '/bin/bash',
    '/usr/bin/curl',
    'base64 -d',
    '/dev/tcp/',
    'xmrig',
    'chmod +x',
    '/tmp/',
    'wget',
    '-F',
  ];
  const event = (i: number): TelemetryEvent => {
    const kinds = ['exec', 'process', 'log', 'file'] as const;
    const kind = kinds[i % kinds.length]!;
    const w = (k: number) => words[(i * 7 + k * 3) % words.length]!;
    return {
      kind,
      time: i,
      hostId: 'h',
      source: kind === 'log' ? 'auditd' : 'test',
      fields: {
        'process.pid': i,
        'process.exe': w(1),
        'process.commandLine': `${w(2)} ${w(3)}`,
        'parent.exe': w(4),
        'file.path': `${w(5)}${w(6)}`,
        'log.message': `${w(7)} ${w(8)}`,
      },
    };
  };

  it('answers as a ruleset that evaluates every event, the same inputs again included', () => {
    const plain = new CompiledRuleset(rules);
    const memo = new CompiledRuleset(rules, { memo: true });
    let matched = 0;
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 2000; i++) {
        const want = plain.match({ event: event(i) }).map((r) => r.title);
        expect(memo.match({ event: event(i) }).map((r) => r.title)).toEqual(want);
        matched += want.length;
      }
    expect(matched).toBeGreaterThan(0);
  });

  it('never remembers for rules that search keywords (they read every field)', () => {
    const { rules: kw } = loadRuleText(
      'title: kw\nlogsource: {product: linux}\ndetection:\n  keywords: ["4242"]\n  condition: keywords\n',
      'kw.yml',
    );
    expect(kw[0]?.detection.keywords).toBe(true);
    const rs = new CompiledRuleset(kw, { memo: true });
    const ev = (pid: number): TelemetryEvent => ({
      kind: 'exec',
      time: 0,
      hostId: 'h',
      source: 'test',
      fields: { 'process.pid': pid, 'process.commandLine': 'sleep 1' },
    });
    expect(rs.match({ event: ev(1) })).toHaveLength(0);
    expect(rs.match({ event: ev(4242) })).toHaveLength(1);
  });
});
