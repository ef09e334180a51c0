import { describe, expect, it } from 'vitest';
import { HuntSession } from '../hunt/session.js';
import { loadRuleText } from '../loader.js';
import type { CorrelationHit } from './engine.js';

const BASE = (name: string, word: string) =>
  `title: ${name}\nname: ${name}\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        CommandLine|contains: '${word}'\n    condition: sel\n`;

function session(correlation: string, extraRules = ''): HuntSession {
  const text = [correlation, BASE('a', 'alpha'), BASE('b', 'beta'), BASE('c', 'gamma'), extraRules]
    .filter(Boolean)
    .join('---\n');
  const r = loadRuleText(text, 'corr.yml');
  expect(r.failed).toEqual([]);
  expect(r.correlations).toHaveLength(1);
  return new HuntSession(r.rules, r.correlations);
}

/** Feeds (seconds, command line, user) triples; returns every correlation hit, including those at end of input. */
function run(s: HuntSession, events: [number, string, string][]): CorrelationHit[] {
  const hits: CorrelationHit[] = [];
  for (const [sec, cmd, user] of events)
    hits.push(
      ...s.step({
        event: {
          kind: 'exec',
          time: sec * 1000,
          hostId: 'h',
          source: 't',
          fields: { 'process.commandLine': cmd, 'process.user': user },
        },
      }).correlations,
    );
  return [...hits, ...s.finish()];
}

const corr = (body: string) =>
  `title: corr\nid: cccccccc-cccc-4ccc-8ccc-cccccccccccc\nlevel: high\ncorrelation:\n${body}`;

describe('event_count', () => {
  const s = () =>
    session(
      corr(
        '    type: event_count\n    rules: a\n    group-by: User\n    timespan: 10s\n    condition:\n        gte: 3\n',
      ),
    );
  it('fires when the count is reached inside the timespan, per group', () => {
    const hits = run(s(), [
      [0, 'alpha', 'u1'],
      [1, 'alpha', 'u2'],
      [2, 'alpha', 'u1'],
      [3, 'alpha', 'u1'],
    ]);
    expect(hits.map((h) => [h.group, h.count])).toEqual([[{ User: 'u1' }, 3]]);
  });
  it('does not fire when the events are spread wider than the timespan', () => {
    expect(
      run(s(), [
        [0, 'alpha', 'u1'],
        [8, 'alpha', 'u1'],
        [16, 'alpha', 'u1'],
      ]),
    ).toEqual([]);
  });
  it('upper bounds are checked when the window closes', () => {
    const lt = session(
      corr(
        '    type: event_count\n    rules: a\n    group-by: User\n    timespan: 10s\n    condition:\n        lt: 2\n',
      ),
    );
    const hits = run(lt, [
      [0, 'alpha', 'u1'],
      [1, 'alpha', 'u2'],
      [2, 'alpha', 'u2'],
    ]);
    expect(hits.map((h) => h.group['User'])).toEqual(['u1']);
  });
});

describe('value_count', () => {
  it('counts distinct values of a field per group', () => {
    const s = session(
      corr(
        '    type: value_count\n    rules: a\n    group-by: CommandLine\n    timespan: 1m\n    condition:\n        field: User\n        gte: 3\n',
      ),
    );
    const hits = run(s, [
      [0, 'alpha', 'u1'],
      [1, 'alpha', 'u1'],
      [2, 'alpha', 'u2'],
      [3, 'alpha', 'u3'],
    ]);
    expect(hits).toHaveLength(1);
    expect(hits[0]?.count).toBe(3);
  });
});

describe('temporal', () => {
  const s = () =>
    session(
      corr(
        '    type: temporal\n    rules:\n        - a\n        - b\n        - c\n    group-by: User\n    timespan: 1m\n',
      ),
    );
  it('fires when every rule matched within the timespan, in any order', () => {
    const hits = run(s(), [
      [0, 'gamma', 'u'],
      [5, 'alpha', 'u'],
      [9, 'beta', 'u'],
    ]);
    expect(hits).toHaveLength(1);
    expect([...hits[0]!.rules].sort()).toEqual(['a', 'b', 'c']);
  });
  it('does not fire across groups or outside the timespan', () => {
    expect(
      run(s(), [
        [0, 'gamma', 'u'],
        [5, 'alpha', 'v'],
        [9, 'beta', 'u'],
      ]),
    ).toEqual([]);
    expect(
      run(s(), [
        [0, 'gamma', 'u'],
        [5, 'alpha', 'u'],
        [90, 'beta', 'u'],
      ]),
    ).toEqual([]);
  });
});

describe('temporal_ordered', () => {
  const s = () =>
    session(
      corr(
        '    type: temporal_ordered\n    rules:\n        - a\n        - b\n    group-by: User\n    timespan: 1m\n',
      ),
    );
  it('fires only in the written order', () => {
    expect(
      run(s(), [
        [0, 'alpha', 'u'],
        [5, 'beta', 'u'],
      ]),
    ).toHaveLength(1);
    expect(
      run(s(), [
        [0, 'beta', 'u'],
        [5, 'alpha', 'u'],
      ]),
    ).toEqual([]);
    expect(
      run(s(), [
        [0, 'alpha', 'u'],
        [61, 'beta', 'u'],
      ]),
    ).toEqual([]);
  });
});

describe('chains and references', () => {
  it('a correlation can count another correlation (the spec example shape)', () => {
    const inner = `title: many a\nname: many_a\ncorrelation:\n    type: event_count\n    rules: a\n    group-by: User\n    timespan: 1m\n    condition:\n        gte: 2\n`;
    const text = [
      corr(
        '    type: temporal_ordered\n    rules:\n        - many_a\n        - b\n    group-by: User\n    timespan: 5m\n',
      ),
      inner,
      BASE('a', 'alpha'),
      BASE('b', 'beta'),
    ].join('---\n');
    const r = loadRuleText(text, 'chain.yml');
    expect(r.failed).toEqual([]);
    const s = new HuntSession(r.rules, r.correlations);
    const hits = run(s, [
      [0, 'alpha', 'u'],
      [1, 'alpha', 'u'],
      [2, 'beta', 'u'],
    ]);
    expect(hits.map((h) => h.correlation.title)).toEqual(['corr']);
  });
  it('rules referenced by a correlation are not reported alone unless generate is true', () => {
    const s = session(
      corr(
        '    type: event_count\n    rules: a\n    group-by: User\n    timespan: 1m\n    condition:\n        gte: 5\n',
      ),
    );
    const ev = {
      event: {
        kind: 'exec' as const,
        time: 0,
        hostId: 'h',
        source: 't',
        fields: { 'process.commandLine': 'alpha beta' },
      },
    };
    expect(s.step(ev).matches.map((m) => m.rule.title)).toEqual(['b']);
  });
  it('unknown references and loops are refused', () => {
    const missing = loadRuleText(
      corr('    type: temporal\n    rules: nope\n    group-by: User\n    timespan: 1m\n'),
      'x.yml',
    );
    expect(missing.failed[0]).toMatchObject({ code: 'MW_SIGMA_CORRELATION', line: 1 });
    const loop = [
      `title: x\nname: x\ncorrelation:\n    type: temporal\n    rules: [y, a]\n    group-by: User\n    timespan: 1m\n`,
      `title: y\nname: y\ncorrelation:\n    type: temporal\n    rules: [x, a]\n    group-by: User\n    timespan: 1m\n`,
      BASE('a', 'alpha'),
    ].join('---\n');
    const r = loadRuleText(loop, 'loop.yml');
    expect(r.correlations).toEqual([]);
    expect(r.failed.map((f) => f.message)).toEqual([
      expect.stringContaining('reference loop'),
      expect.stringContaining('reference loop'),
    ]);
  });
});
