import { describe, expect, it } from 'vitest';
import { KICS_MAP } from './kics-map.js';
import { type QueryScore, scoreKicsQuery } from './kics-score.js';

const scores: (QueryScore & { note?: string; exact: boolean; deviation?: string })[] = [];

describe('KICS query fixtures: positive files yield findings on the expected lines, negative files none', () => {
  for (const q of KICS_MAP) {
    if (!q.rule) continue;
    const match = q.rule;
    it(q.query, () => {
      const s = scoreKicsQuery(q.query, q.loader, match);
      const d = q.deviations;
      const deviation = d
        ? `differs: ${[...(d.missed ?? []).map((m) => `missed ${m}`), ...(d.negative ?? []).map((n) => `reports ${n}`)].join(', ')}: ${d.why}`
        : undefined;
      scores.push({
        ...s,
        exact: q.exact,
        ...(q.note ? { note: q.note } : {}),
        ...(deviation ? { deviation } : {}),
      });
      if (q.exact) {
        expect(s.missed).toEqual(d?.missed ?? []);
        expect(s.negativeHits).toEqual(d?.negative ?? []);
      } else {
        // Partial coverage is reported, not hidden; it must still find something and never regress to noise.
        expect(s.covered).toBeGreaterThan(0);
      }
    });
  }

  it('prints precision/recall per query', () => {
    const lines = scores.map(
      (s) =>
        `${s.exact ? '=' : '~'} P ${s.precision.toFixed(2)} R ${s.recall.toFixed(2)} lines ${s.covered}/${s.expected} neg ${s.negativeFindings}  ${s.query}` +
        (s.note ? `  (${s.note})` : '') +
        (s.deviation ? `\n      ${s.deviation}` : ''),
    );
    const skipped = KICS_MAP.filter((q) => !q.rule).map(
      (q) => `  - no check: ${q.query}${q.note ? ` (${q.note})` : ''}`,
    );
    process.stdout.write(
      `\nKICS queries (= asserted exact, ~ partial)\n${lines.join('\n')}\n${skipped.join('\n')}\n`,
    );
    expect(scores.length).toBeGreaterThan(20);
  });
});
