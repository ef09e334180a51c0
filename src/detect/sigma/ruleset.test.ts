import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TelemetryEvent } from '../../model/event.js';
import { loadRulePaths } from './loader.js';
import { eventLogsource, ruleSeesEvent } from './logsource.js';
import { AhoCorasick } from './match/aho-corasick.js';
import { EvalContext } from './match/context.js';
import { CompiledRuleset } from './ruleset.js';

/** Deterministic PRNG so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('AhoCorasick', () => {
  it('finds exactly the needles a naive case-insensitive search finds', () => {
    const r = rng(7);
    const alphabet = 'abAB/-. xyz';
    const word = (n: number) =>
      Array.from({ length: n }, () => alphabet[Math.floor(r() * alphabet.length)]).join('');
    for (let round = 0; round < 50; round++) {
      const needles = [
        ...new Set(Array.from({ length: 8 }, () => word(1 + Math.floor(r() * 4)).toLowerCase())),
      ];
      const ac = new AhoCorasick(
        needles,
        needles.map((_, i) => [i]),
      );
      for (let k = 0; k < 20; k++) {
        const text = word(Math.floor(r() * 30));
        const n = ac.scan(text);
        const found = new Set(ac.found.subarray(0, n));
        expect(found.size).toBe(n);
        const naive = new Set(needles.flatMap((n, i) => (text.toLowerCase().includes(n) ? [i] : [])));
        expect([...found].sort()).toEqual([...naive].sort());
      }
    }
  });
  it('treats the two non-ASCII letters that lowercase to ASCII as their ASCII letter', () => {
    const ac = new AhoCorasick(['kit'], [[0]]);
    expect(ac.scan('\u212AIT')).toBe(1);
    expect(ac.scan('k\u00e9t')).toBe(0);
  });
  it('reports each needle once per scan, however often it occurs', () => {
    const ac = new AhoCorasick(['ab', 'b'], [[0], [1, 2]], 3);
    expect(ac.scan('abababab')).toBe(3);
    expect([...ac.found.subarray(0, 3)].sort()).toEqual([0, 1, 2]);
    expect(ac.scan('xxb')).toBe(2);
    expect([...ac.found.subarray(0, 2)].sort()).toEqual([1, 2]);
  });
  it('works beyond 65,536 states (32-bit table)', () => {
    const needles = Array.from({ length: 7000 }, (_, i) => `n${i.toString(36).padStart(4, '0')}zzzzzzzzzz`);
    const ac = new AhoCorasick(
      needles,
      needles.map((_, i) => [i]),
    );
    expect(ac.states).toBeGreaterThan(0x10000);
    expect(ac.scan(`xx${needles[6999]}yy${needles[3]}`)).toBe(2);
    expect([...ac.found.subarray(0, 2)].sort((a, b) => a - b)).toEqual([3, 6999]);
  });
});

describe('CompiledRuleset prefilter', () => {
  const rules = loadRulePaths([
    resolve(import.meta.dirname, '../../../../shared/data/sigma/rules/linux'),
  ]).rules;
  // Event values built from the rules' own vocabulary, so many rules come close to matching.
  const words = [
    '/bin/bash',
    '/usr/bin/curl',
    'base64 -d',
    '/dev/tcp/',
    'crontab -r',
    'xmrig',
    ' -o ',
    'stratum+tcp://',
    'chmod +x',
    '/tmp/',
    'nohup',
    'wget',
    'python -c',
    'iptables',
    '-F',
    'EXECVE',
    'truncate',
    '-s',
    'dd',
    'if=',
    'systemctl',
    'stop',
    'setenforce 0',
    '.bash_history',
    'rm -rf',
    'id',
    'whoami',
    '/etc/shadow',
    'nc -e',
  ];
  const r = rng(42);
  const pick = () => words[Math.floor(r() * words.length)]!;
  const text = () =>
    Array.from({ length: 1 + Math.floor(r() * 4) }, pick).join(Math.floor(r() * 2) ? ' ' : '');
  const event = (i: number): TelemetryEvent => {
    const kinds = ['exec', 'log', 'connection', 'file'] as const;
    const kind = kinds[i % kinds.length]!;
    return {
      kind,
      time: i,
      hostId: 'h',
      source: kind === 'log' ? 'auditd' : 'test',
      fields: {
        'process.exe': pick(),
        'process.commandLine': text(),
        'parent.exe': pick(),
        'audit.type': r() < 0.5 ? 'EXECVE' : 'SYSCALL',
        'audit.a0': pick(),
        'audit.a1': pick(),
        'file.path': text(),
        'destination.hostname': text(),
        'log.message': text(),
      },
    };
  };
  it('gives the same matches as evaluating every rule that sees the event', () => {
    const rs = new CompiledRuleset(rules);
    const ctx = new EvalContext();
    let total = 0;
    for (let i = 0; i < 3000; i++) {
      const input = { event: event(i) };
      const fast = rs.match(input).map((x) => x.title);
      const ls = eventLogsource(input);
      const slow = rules
        .filter((rule) => ruleSeesEvent(rule.logsource, ls) && rule.detection.test(ctx.reset(input)))
        .map((x) => x.title);
      expect(fast).toEqual(slow);
      total += fast.length;
    }
    // The vocabulary is chosen so that the comparison covers many real matches, not only misses.
    expect(total).toBeGreaterThan(100);
  });
});
