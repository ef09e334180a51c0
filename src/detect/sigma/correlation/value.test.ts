import { describe, expect, it } from 'vitest';
import { HuntSession } from '../hunt/session.js';
import { loadRuleText } from '../loader.js';
import type { CorrelationHit } from './engine.js';

const RULE =
  "title: up\nname: up\nlogsource:\n    category: network_connection\ndetection:\n    sel:\n        DestinationHostname|endswith: '.example'\n    condition: sel\n";

function session(type: string, condition: string): HuntSession {
  const corr = `title: corr\nid: dddddddd-dddd-4ddd-8ddd-dddddddddddd\ncorrelation:\n    type: ${type}\n    rules: up\n    group-by: User\n    timespan: 1h\n    condition:\n        field: DestinationPort\n        ${condition}\n`;
  const r = loadRuleText(`${corr}---\n${RULE}`, 'v.yml');
  expect(r.failed).toEqual([]);
  expect(r.correlations).toHaveLength(1);
  return new HuntSession(r.rules, r.correlations);
}

/** (minute, user, number) triples; the number rides in destination.port, a numeric field of the table. */
function run(s: HuntSession, events: [number, string, number | string][]): CorrelationHit[] {
  const hits: CorrelationHit[] = [];
  for (const [min, user, n] of events)
    hits.push(
      ...s.step({
        event: {
          kind: 'connection',
          time: min * 60_000,
          hostId: 'h',
          source: 't',
          fields: {
            'destination.hostname': 'a.example',
            'process.user': user,
            'destination.port': typeof n === 'number' ? n : Number.NaN,
          },
        },
      }).correlations,
    );
  return [...hits, ...s.finish()];
}

describe('value_sum and value_avg', () => {
  it('value_sum fires when a group sum inside the timespan passes the bound', () => {
    const hits = run(session('value_sum', 'gt: 1000'), [
      [0, 'u1', 600],
      [1, 'u2', 900],
      [2, 'u1', 500],
    ]);
    expect(hits.map((h) => [h.group, h.count])).toEqual([[{ User: 'u1' }, 1100]]);
  });
  it('value_sum forgets values that fell out of the timespan', () => {
    expect(
      run(session('value_sum', 'gt: 1000'), [
        [0, 'u1', 600],
        [90, 'u1', 500],
      ]),
    ).toEqual([]);
  });
  it('value_avg compares the mean, skipping values that are not numbers', () => {
    const hits = run(session('value_avg', 'gte: 500'), [
      [0, 'u1', 100],
      [1, 'u1', 'x'],
      [2, 'u1', 1000],
    ]);
    expect(hits.map((h) => h.count)).toEqual([550]);
  });
  it('value_avg with an upper bound is decided when the window closes', () => {
    const hits = run(session('value_avg', 'lt: 10'), [
      [0, 'u1', 4],
      [1, 'u1', 8],
      [0, 'u2', 50],
    ]);
    expect(hits.map((h) => [h.group, h.count])).toEqual([[{ User: 'u1' }, 6]]);
  });
  it('needs condition.field', () => {
    const r = loadRuleText(
      `title: c\ncorrelation:\n    type: value_sum\n    rules: up\n    timespan: 1h\n    condition:\n        gt: 1\n---\n${RULE}`,
      'v.yml',
    );
    expect(r.failed[0]?.message).toContain('condition.field');
  });
});
