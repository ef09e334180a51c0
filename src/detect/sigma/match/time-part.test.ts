import { describe, expect, it } from 'vitest';
import type { EventFields } from '../../../model/event.js';
import { loadRuleText } from '../loader.js';
import { CompiledRuleset } from '../ruleset.js';
import { timePartOf } from './time-part.js';

const at = (iso: string) => Date.parse(iso);

function ruleset(item: string): CompiledRuleset {
  const text = `title: t\nid: 22222222-2222-4222-8222-222222222222\nlogsource:\n    product: linux\n    category: process_creation\ndetection:\n    sel:\n        ${item}\n    condition: sel\nlevel: high\n`;
  const r = loadRuleText(text, 'time.yml');
  expect(r.failed).toEqual([]);
  expect(r.unsupported).toEqual([]);
  return new CompiledRuleset(r.rules);
}

function hits(rs: CompiledRuleset, fields: EventFields): boolean {
  return rs.match({ event: { kind: 'exec', time: 0, hostId: 'h', source: 'test', fields } }).length === 1;
}

function loadError(item: string): string | undefined {
  const text = `title: t\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        ${item}\n    condition: sel\n`;
  const r = loadRuleText(text, 'bad.yml');
  return r.failed[0] ? `${r.failed[0].code} line ${r.failed[0].line}: ${r.failed[0].message}` : undefined;
}

describe('timePartOf', () => {
  it('takes UTC parts out of epoch milliseconds and ISO 8601 text', () => {
    const t = at('2026-11-26T03:07:09.500Z');
    expect(timePartOf('minute', t)).toBe(7);
    expect(timePartOf('hour', t)).toBe(3);
    expect(timePartOf('day', t)).toBe(26);
    expect(timePartOf('month', t)).toBe(11);
    expect(timePartOf('year', t)).toBe(2026);
    expect(timePartOf('week', t)).toBe(48);
    // An offset is an instant: 23:30 at -05:00 is 04:30 UTC the next day.
    expect(timePartOf('hour', '2026-11-26T23:30:00-05:00')).toBe(4);
    expect(timePartOf('day', '2026-11-26T23:30:00-05:00')).toBe(27);
  });

  it('numbers weeks as ISO 8601 does across year ends', () => {
    // (dates and their ISO weeks: 2021-01-03 is in 2020's week 53, 2024-12-30 in 2025's week 1)
    const cases: Array<[string, number]> = [
      ['2021-01-03', 53],
      ['2020-12-31', 53],
      ['2026-12-31', 53],
      ['2027-01-01', 53],
      ['2024-12-30', 1],
      ['2016-01-01', 53],
    ];
    for (const [day, week] of cases)
      expect([day, timePartOf('week', at(`${day}T12:00:00Z`))]).toEqual([day, week]);
  });

  it('answers undefined for what is not a date', () => {
    expect(timePartOf('hour', undefined)).toBeUndefined();
    expect(timePartOf('hour', null)).toBeUndefined();
    expect(timePartOf('hour', true)).toBeUndefined();
    expect(timePartOf('hour', 'yesterday')).toBeUndefined();
    expect(timePartOf('hour', '')).toBeUndefined();
    // Digits as text are not read as a date: the model's time fields are numbers.
    expect(timePartOf('hour', '1700000000000')).toBeUndefined();
    expect(timePartOf('hour', Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(timePartOf('hour', 9e15)).toBeUndefined();
  });
});

describe('time modifiers in rules', () => {
  it('matches a part by equality, on numbers and ISO text', () => {
    const rs = ruleset('process.startTime|hour: 3');
    expect(hits(rs, { 'process.startTime': at('2026-11-26T03:59:59Z') })).toBe(true);
    expect(hits(rs, { 'process.startTime': '2026-11-26T03:00:00Z' })).toBe(true);
    expect(hits(rs, { 'process.startTime': at('2026-11-26T04:00:00Z') })).toBe(false);
    expect(hits(rs, {})).toBe(false);
    expect(hits(rs, { 'process.startTime': 'not a date' })).toBe(false);
  });

  it('takes one comparison: a process started at night', () => {
    const late = ruleset('process.startTime|hour|gte: 22');
    expect(hits(late, { 'process.startTime': at('2026-11-26T22:00:00Z') })).toBe(true);
    expect(hits(late, { 'process.startTime': at('2026-11-26T21:59:59Z') })).toBe(false);
    const early = ruleset('process.startTime|hour|lt: 6');
    expect(hits(early, { 'process.startTime': at('2026-11-26T05:59:00Z') })).toBe(true);
    expect(hits(early, { 'process.startTime': at('2026-11-26T06:00:00Z') })).toBe(false);
  });

  it('ORs a list of values, ANDs it with all, negates with neq', () => {
    const weekend = ruleset('process.startTime|day:\n            - 28\n            - 29');
    expect(hits(weekend, { 'process.startTime': at('2026-11-29T10:00:00Z') })).toBe(true);
    expect(hits(weekend, { 'process.startTime': at('2026-11-27T10:00:00Z') })).toBe(false);
    const notNovember = ruleset('process.startTime|month|neq: 11');
    expect(hits(notNovember, { 'process.startTime': at('2026-11-29T10:00:00Z') })).toBe(false);
    expect(hits(notNovember, { 'process.startTime': at('2026-12-01T10:00:00Z') })).toBe(true);
    const y = ruleset('process.startTime|year: 2026');
    expect(hits(y, { 'process.startTime': at('2026-01-01T00:00:00Z') })).toBe(true);
    expect(hits(y, { 'process.startTime': at('2025-12-31T23:59:59.999Z') })).toBe(false);
  });

  it('refuses numbers outside the part, other value types and mixed modifiers, naming the line', () => {
    expect(loadError('process.startTime|minute: 60')).toMatch(/MW_SIGMA_MODIFIER line 6: .*0 to 59/);
    expect(loadError('process.startTime|month: 0')).toMatch(/1 to 12/);
    expect(loadError('process.startTime|hour: 3.5')).toMatch(/whole number/);
    expect(loadError('process.startTime|hour: night')).toMatch(/whole number/);
    expect(loadError('process.startTime|hour|minute: 3')).toMatch(/minute and hour cannot be combined/);
    expect(loadError('process.startTime|hour|contains: 3')).toMatch(/only a comparison, neq or all/);
    expect(loadError('process.startTime|hour|re: 3')).toMatch(/only a comparison, neq or all/);
    expect(loadError('process.startTime|hour|lt|gt: 3')).toMatch(/cannot be combined/);
    expect(loadError('"|hour": 3')).toMatch(/'hour' needs a field/);
  });
});
