import { describe, expect, it } from 'vitest';
import { HuntSession } from '../hunt/session.js';
import { loadRuleText } from '../loader.js';
import type { CorrelationHit } from './engine.js';

const RULE =
  "title: a\nname: a\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        CommandLine|contains: 'alpha'\n    condition: sel\n";
const KEY = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';

function session(condition: string, maxGroups: number, maxItems?: number): HuntSession {
  const corr = `title: corr\nid: ${KEY}\ncorrelation:\n    type: event_count\n    rules: a\n    group-by: User\n    timespan: 10s\n    condition:\n        ${condition}\n`;
  const r = loadRuleText(`${corr}---\n${RULE}`, 'c.yml');
  expect(r.failed).toEqual([]);
  return new HuntSession(r.rules, r.correlations, { maxGroups, maxItems });
}

function feed(s: HuntSession, ms: number, user: string): CorrelationHit[] {
  return s.step({
    event: {
      kind: 'exec',
      time: ms,
      hostId: 'h',
      source: 't',
      fields: { 'process.commandLine': 'alpha', 'process.user': user },
    },
  }).correlations;
}

describe('correlation group cap', () => {
  it('keeps at most maxGroups open and counts evictions when a stream makes every group unique', () => {
    const s = session('gte: 3', 100);
    for (let i = 0; i < 20_000; i++) feed(s, i, `u${i}`);
    const engine = (s as unknown as { correlation: { openGroups(k: string): number } }).correlation;
    expect(engine.openGroups(KEY)).toBe(100);
    expect(s.evictions().map((e) => e.evicted)).toEqual([20_000 - 100]);
  });
  it('frees groups whose time is up without counting them as evicted', () => {
    const s = session('gte: 3', 10);
    for (let i = 0; i < 1000; i++) feed(s, i * 20_000, `u${i}`);
    expect(s.evictions()).toEqual([]);
  });
  it('still fires for a group that stays active under the cap', () => {
    const s = session('gte: 3', 10);
    const hits: CorrelationHit[] = [];
    for (let i = 0; i < 30; i++) {
      hits.push(...feed(s, i * 100, `noise${i}`));
      if (i % 5 === 0) hits.push(...feed(s, i * 100, 'mallory'));
    }
    // mallory is active every fifth event, so the least-recently-active eviction never picks it: hits at 3 and 6.
    expect(hits.map((h) => h.group)).toEqual([{ User: 'mallory' }, { User: 'mallory' }]);
    expect(s.evictions()[0]?.evicted).toBeGreaterThan(0);
  });
  it('closes an upper-bounded window that is due instead of dropping its hit', () => {
    const s = session('lt: 2', 1);
    const hits = [...feed(s, 0, 'quiet'), ...feed(s, 60_000, 'other')];
    expect(hits.map((h) => [h.group, h.count])).toEqual([[{ User: 'quiet' }, 1]]);
    expect(s.evictions()).toEqual([]);
  });
  it('keeps at most maxItems observations in one group, counting the dropped ones', () => {
    const s = session('gte: 1000000', 10, 50);
    for (let i = 0; i < 500; i++) feed(s, i, 'flood');
    const engine = (
      s as unknown as { correlation: { groups: Map<string, Map<string, { items: unknown[] }>> } }
    ).correlation;
    expect(engine.groups.get(KEY)?.get(JSON.stringify({ User: 'flood' }))?.items).toHaveLength(50);
    expect(s.evictions().map((e) => e.evicted)).toEqual([450]);
  });
});
