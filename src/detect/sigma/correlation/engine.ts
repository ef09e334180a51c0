import type { CountConditionSpec } from '../parse/schema.js';
import type { SigmaCorrelation } from './link.js';

/** Something a correlation can count: a detection match or another correlation's hit. */
export interface Observation {
  readonly ruleKey: string;
  /** Event time, epoch ms: correlations use event time only, so replays give the same hits. */
  readonly time: number;
  /** Value of a Sigma field in the observed event (or in a chained correlation's group). */
  field(sigmaName: string): string | undefined;
}

export interface CorrelationHit {
  readonly correlation: SigmaCorrelation;
  /** Time of the observation that completed the correlation (or the window end, for upper-bounded counts). */
  readonly time: number;
  readonly firstTime: number;
  readonly group: Readonly<Record<string, string>>;
  /** The count the condition was checked against: events, distinct values or distinct rules. */
  readonly count: number;
  readonly rules: readonly string[];
}

function meets(c: CountConditionSpec | undefined, n: number, fallback: number): boolean {
  if (!c) return n >= fallback;
  if (c.gt !== undefined && !(n > c.gt)) return false;
  if (c.gte !== undefined && !(n >= c.gte)) return false;
  if (c.lt !== undefined && !(n < c.lt)) return false;
  if (c.lte !== undefined && !(n <= c.lte)) return false;
  if (c.eq !== undefined && n !== c.eq) return false;
  if (c.neq !== undefined && n === c.neq) return false;
  return true;
}

/** Only lower bounds can be decided as events arrive; anything with an upper bound waits for the window to close. */
function streamable(c: CountConditionSpec | undefined): boolean {
  return !c || (c.lt === undefined && c.lte === undefined && c.eq === undefined && c.neq === undefined);
}

interface GroupState {
  first: number;
  /** Per observation: time and the value or rule it contributes. */
  items: { time: number; value: string }[];
  /** temporal_ordered: start time of the newest chain that reached each step. */
  steps?: (number | undefined)[];
}

/**
 * Evaluates correlation rules over a time-ordered stream of observations. Lower-bounded counts (gt/gte) use a
 * sliding window and fire as soon as they hold; counts with an upper bound (lt/lte/eq/neq) are checked when a
 * window anchored at the group's first event closes, or at flush(). A group is reset after it fires.
 */
export class CorrelationEngine {
  private readonly byRule = new Map<string, SigmaCorrelation[]>();
  private readonly groups = new Map<string, Map<string, GroupState>>();

  constructor(readonly correlations: readonly SigmaCorrelation[]) {
    for (const c of correlations)
      for (const r of new Set(c.rules)) {
        const list = this.byRule.get(r);
        if (list) list.push(c);
        else this.byRule.set(r, [c]);
      }
  }

  /** Keys of rules that feed a correlation with `generate: false`: their own matches are not reported. */
  suppressedRules(): Set<string> {
    const out = new Set<string>();
    for (const c of this.correlations) if (!c.generate) for (const r of c.rules) out.add(r);
    return out;
  }

  /** Feeds one observation; returns the hits it completes, including chained correlations. */
  observe(obs: Observation): CorrelationHit[] {
    const out: CorrelationHit[] = [];
    const queue: Observation[] = [obs];
    // Chains are acyclic (the linker refuses loops), so this queue drains.
    while (queue.length > 0) {
      const o = queue.shift()!;
      for (const c of this.byRule.get(o.ruleKey) ?? []) {
        const hit = this.step(c, o);
        if (!hit) continue;
        out.push(...hit);
        for (const h of hit) queue.push(hitObservation(h));
      }
    }
    return out;
  }

  /** Closes every open window (end of input) and returns the upper-bounded hits that hold. */
  flush(): CorrelationHit[] {
    const out: CorrelationHit[] = [];
    for (const c of this.correlations) {
      if (streamable(c.condition) || (c.type !== 'event_count' && c.type !== 'value_count')) continue;
      for (const [key, g] of this.groups.get(c.key) ?? []) {
        const h = this.closeWindow(c, key, g);
        if (h) out.push(h);
      }
      this.groups.delete(c.key);
    }
    return out;
  }

  private groupOf(c: SigmaCorrelation, o: Observation): Record<string, string> {
    const group: Record<string, string> = {};
    for (const g of c.groupBy) {
      const aliased = c.aliases.get(g)?.get(o.ruleKey);
      group[g] = o.field(aliased ?? g) ?? '';
    }
    return group;
  }

  private state(c: SigmaCorrelation, key: string, time: number): GroupState {
    let perCorr = this.groups.get(c.key);
    if (!perCorr) {
      perCorr = new Map();
      this.groups.set(c.key, perCorr);
    }
    let g = perCorr.get(key);
    if (!g) {
      g = { first: time, items: [] };
      perCorr.set(key, g);
    }
    return g;
  }

  private count(c: SigmaCorrelation, g: GroupState): number {
    if (c.type === 'event_count') return g.items.length;
    return new Set(g.items.map((i) => i.value)).size;
  }

  private closeWindow(c: SigmaCorrelation, key: string, g: GroupState): CorrelationHit | undefined {
    const n = this.count(c, g);
    if (!meets(c.condition, n, 1)) return undefined;
    return this.hit(c, JSON.parse(key) as Record<string, string>, g, g.first + c.timespanMs, n);
  }

  private hit(
    c: SigmaCorrelation,
    group: Record<string, string>,
    g: GroupState,
    time: number,
    n: number,
  ): CorrelationHit {
    const rules = [...new Set(g.items.map((i) => i.value))];
    return {
      correlation: c,
      time,
      firstTime: g.first,
      group,
      count: n,
      rules: c.type.startsWith('temporal') ? rules : c.rules,
    };
  }

  private step(c: SigmaCorrelation, o: Observation): CorrelationHit[] | undefined {
    const group = this.groupOf(c, o);
    const key = JSON.stringify(group);
    const perCorr = this.groups.get(c.key);
    const t = o.time;
    if (!streamable(c.condition) && (c.type === 'event_count' || c.type === 'value_count')) {
      const out: CorrelationHit[] = [];
      const open = perCorr?.get(key);
      if (open && t > open.first + c.timespanMs) {
        const h = this.closeWindow(c, key, open);
        if (h) out.push(h);
        perCorr!.delete(key);
      }
      this.state(c, key, t).items.push({ time: t, value: this.valueOf(c, o) });
      return out.length ? out : undefined;
    }
    const g = this.state(c, key, t);
    if (c.type === 'temporal_ordered') return this.ordered(c, group, key, g, o);
    g.items.push({ time: t, value: this.valueOf(c, o) });
    // Sliding window: forget what fell out of the timespan.
    const from = t - c.timespanMs;
    let drop = 0;
    while (drop < g.items.length && g.items[drop]!.time < from) drop++;
    if (drop > 0) g.items.splice(0, drop);
    g.first = g.items[0]?.time ?? t;
    const n = this.count(c, g);
    const fallback = c.type === 'temporal' ? new Set(c.rules).size : 1;
    if (!meets(c.condition, n, fallback)) return undefined;
    const h = this.hit(c, group, g, t, n);
    this.groups.get(c.key)?.delete(key);
    return [h];
  }

  private valueOf(c: SigmaCorrelation, o: Observation): string {
    if (c.type === 'value_count') return c.valueFields.map((f) => o.field(f) ?? '').join('\u0000');
    if (c.type === 'temporal' || c.type === 'temporal_ordered') return o.ruleKey;
    return '';
  }

  private ordered(
    c: SigmaCorrelation,
    group: Record<string, string>,
    key: string,
    g: GroupState,
    o: Observation,
  ): CorrelationHit[] | undefined {
    if (!g.steps) g.steps = new Array<number | undefined>(c.rules.length).fill(undefined);
    const steps = g.steps;
    const t = o.time;
    // Later positions first, so a rule listed twice cannot complete two steps with one event.
    for (let k = c.rules.length - 1; k >= 0; k--) {
      if (c.rules[k] !== o.ruleKey) continue;
      if (k === 0) steps[0] = t;
      else {
        const start = steps[k - 1];
        if (start !== undefined && t - start <= c.timespanMs) steps[k] = Math.max(steps[k] ?? start, start);
      }
    }
    g.items.push({ time: t, value: o.ruleKey });
    const done = steps[c.rules.length - 1];
    if (done === undefined) return undefined;
    g.first = done;
    const h = this.hit(c, group, g, t, c.rules.length);
    this.groups.get(c.key)?.delete(key);
    return [h];
  }
}

function hitObservation(h: CorrelationHit): Observation {
  return { ruleKey: h.correlation.key, time: h.time, field: (name) => h.group[name] };
}
