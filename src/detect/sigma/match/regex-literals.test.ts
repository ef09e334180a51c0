import { describe, expect, it } from 'vitest';
import { loadRuleText } from '../loader.js';
import { CompiledRuleset } from '../ruleset.js';
import { compileRegex } from './regex.js';
import { regexLiterals } from './regex-literals.js';

describe('regexLiterals', () => {
  it('finds the literals SigmaHQ regexes cannot match without', () => {
    expect(regexLiterals(`-(W|R)\\s?(\\s|"|')([0-9a-fA-F]{2}\\s?){2,20}(\\s|"|')`)?.sort()).toEqual([
      '-r',
      '-w',
    ]);
    expect(regexLiterals('\\s-O\\s')).toEqual(['-o']);
    expect(regexLiterals('\\s-[FTd]\\s')?.sort()).toEqual(['-d', '-f', '-t']);
    expect(regexLiterals('(?:\\s-[^-\\s]{0,20}i|\\s--inode\\s)')?.sort()).toEqual(['-', '--inode']);
    expect(regexLiterals('(^|\\/)\\.[^.\\/]')?.sort()).toEqual(['.', '/.']);
    expect(regexLiterals('(?i)stratum\\+tcp://[a-z.]+:\\d+')).toEqual(['stratum+tcp://']);
    expect(regexLiterals('(a|b)(c|d)xyz+')?.sort()).toEqual(['acxy', 'adxy', 'bcxy', 'bdxy']);
    expect(regexLiterals('\\Qa.b\\E')).toEqual(['a.b']);
  });
  it('gives up rather than guess', () => {
    for (const p of ['(.){200,}', 'a?', 'a*b?', 'x|.*', '[a-z]+', '(', '\\', '[abc'])
      expect(regexLiterals(p), p).toBeNull();
  });
  it('never names a literal that a match can lack (random patterns against random texts)', () => {
    let s = 11;
    const r = () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
    const atoms = [
      'a',
      'b',
      'A',
      '-',
      '\\s',
      '.',
      '[ab]',
      '[^a]',
      '(a|b)',
      '(ab|c)',
      '(?:ba)',
      '\\-',
      '^',
      '$',
    ];
    const quants = ['', '', '', '?', '*', '+', '{2}', '{0,2}', '{1,}'];
    const texts = 'ab -AB';
    let checked = 0;
    for (let round = 0; round < 400; round++) {
      const parts = Array.from(
        { length: 1 + Math.floor(r() * 5) },
        () => atoms[Math.floor(r() * atoms.length)]! + quants[Math.floor(r() * quants.length)]!,
      );
      const pattern = r() < 0.2 ? `${parts.slice(0, 2).join('')}|${parts.slice(2).join('')}` : parts.join('');
      let re: (s: string) => boolean;
      try {
        re = compileRegex(pattern, { i: r() < 0.5, m: false, s: false });
      } catch {
        continue;
      }
      const lits = regexLiterals(pattern);
      if (lits === null) continue;
      for (let k = 0; k < 40; k++) {
        const text = Array.from(
          { length: Math.floor(r() * 10) },
          () => texts[Math.floor(r() * texts.length)],
        ).join('');
        if (!re(text)) continue;
        checked++;
        expect(
          lits.some((l) => text.toLowerCase().includes(l)),
          `${pattern} on '${text}' lacks ${lits}`,
        ).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(200);
  });
});

describe('regex rules with a literal guard', () => {
  const rule = (re: string) =>
    `title: r\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        CommandLine|re: '${re}'\n    condition: sel\n`;
  const hits = (re: string, cmd: string): number => {
    const r = loadRuleText(rule(re), 'r.yml');
    expect(r.failed).toEqual([]);
    const event = {
      kind: 'exec' as const,
      time: 0,
      hostId: 'h',
      source: 't',
      fields: { 'process.commandLine': cmd },
    };
    return new CompiledRuleset(r.rules).match({ event }).length;
  };
  it('keeps case-sensitive regex semantics', () => {
    expect(hits('\\s-O\\s', 'wget -O /tmp/x')).toBe(1);
    expect(hits('\\s-O\\s', 'wget -o /tmp/x')).toBe(0);
    expect(hits('\\s-O\\s', 'wget --output x')).toBe(0);
  });
  it('leaves case-insensitive regexes to RE2 folding (long s matches s)', () => {
    expect(hits('(?i)pas{2}word', 'echo PA\u017FSWORD')).toBe(1);
    expect(hits('(?i)password', 'echo pa\u017Fsword')).toBe(1);
  });
});
