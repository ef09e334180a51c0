import { LIMITS } from '../limits.js';
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
  if (Number.isNaN(n)) return false; // a mean over no numbers
  if (!c) return n >= fallback;
  if (c.gt !== undefined && !(n > c.gt)) return false;
  if (c.gte !== undefined && !(n >= c.gte)) return false;
  if (c.lt !== undefined && !(n < c.lt)) return false;
  if (c.lte !== undefined && !(n <= c.lte)) return false;
  if (c.eq !== undefined && n !== c.eq) return false;
  if (c.neq !== undefined && n === c.neq) return false;
  return true;
}

/** Counts decided when a window anchored at the group's first event closes (they have an upper bound). */
function windowed(c: SigmaCorrelation): boolean {
  return !streamable(c.condition) && c.type !== 'temporal' && c.type !== 'temporal_ordered';
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
  private readonly evicted = new Map<SigmaCorrelation, number>();
  private readonly maxGroups: number;
  private readonly maxItems: number;

  /**
   * `maxGroups`: open groups kept per correlation; past it the least recently active group is closed if its time is
   * up, else evicted. `maxItems`: observations kept per group; past it the oldest is dropped. Both count as evicted.
   */
  constructor(
    readonly correlations: readonly SigmaCorrelation[],
    options: { maxGroups?: number; maxItems?: number } = {},
  ) {
    this.maxGroups = Math.max(1, options.maxGroups ?? LIMITS.maxCorrelationGroups);
    this.maxItems = Math.max(1, options.maxItems ?? LIMITS.maxCorrelationItems);
    for (const c of correlations)
      for (const r of new Set(c.rules)) {
        const list = this.byRule.get(r);
        if (list) list.push(c);
        else this.byRule.set(r, [c]);
      }
  }

  /** Correlations that had to drop open groups at the cap, with how many: hits for those groups may be missed. */
  evictions(): { correlation: SigmaCorrelation; evicted: number }[] {
    return [...this.evicted].map(([correlation, evicted]) => ({ correlation, evicted }));
  }

  /** Open groups per correlation key, for tests and statistics. */
  openGroups(key: string): number {
    return this.groups.get(key)?.size ?? 0;
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
      if (!windowed(c)) continue;
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

  private state(c: SigmaCorrelation, key: string, time: number, out: CorrelationHit[]): GroupState {
    let perCorr = this.groups.get(c.key);
    if (!perCorr) {
      perCorr = new Map();
      this.groups.set(c.key, perCorr);
    }
    let g = perCorr.get(key);
    if (g) {
      // Most recently active last, so the cap evicts the group that has been quiet longest.
      perCorr.delete(key);
      perCorr.set(key, g);
      return g;
    }
    if (perCorr.size >= this.maxGroups) this.makeRoom(c, perCorr, time, out);
    g = { first: time, items: [] };
    perCorr.set(key, g);
    return g;
  }

  /**
   * Frees one slot: the least recently active group (first in the map) is closed normally when its time is up, so
   * a stream of unique group values costs bounded memory; otherwise it is evicted and counted.
   */
  private makeRoom(
    c: SigmaCorrelation,
    perCorr: Map<string, GroupState>,
    time: number,
    out: CorrelationHit[],
  ): void {
    const oldest = perCorr.entries().next().value;
    if (!oldest) return;
    const [key, g] = oldest;
    perCorr.delete(key);
    if (windowed(c)) {
      if (time > g.first + c.timespanMs) {
        const h = this.closeWindow(c, key, g);
        if (h) out.push(h);
        return;
      }
    } else if ((g.items[g.items.length - 1]?.time ?? g.first) < time - c.timespanMs) return;
    this.evicted.set(c, (this.evicted.get(c) ?? 0) + 1);
  }

  /** The number the condition is checked against: events, distinct values, or the sum or mean of a field. */
  private count(c: SigmaCorrelation, g: GroupState): number {
    if (c.type === 'event_count') return g.items.length;
    if (c.type === 'value_sum' || c.type === 'value_avg') {
      // Events whose field is missing or not a number add nothing (and do not count toward the mean).
      let sum = 0;
      let n = 0;
      for (const i of g.items) {
        const x = i.value.trim() === '' ? Number.NaN : Number(i.value);
        if (Number.isFinite(x)) {
          sum += x;
          n++;
        }
      }
      return c.type === 'value_sum' ? sum : n === 0 ? Number.NaN : sum / n;
    }
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
    const out: CorrelationHit[] = [];
    if (windowed(c)) {
      const open = perCorr?.get(key);
      if (open && t > open.first + c.timespanMs) {
        const h = this.closeWindow(c, key, open);
        if (h) out.push(h);
        perCorr!.delete(key);
      }
      this.record(c, this.state(c, key, t, out), t, this.valueOf(c, o));
      return out.length ? out : undefined;
    }
    const g = this.state(c, key, t, out);
    if (c.type === 'temporal_ordered') return this.ordered(c, group, key, g, o, out);
    this.record(c, g, t, this.valueOf(c, o));
    // Sliding window: forget what fell out of the timespan.
    const from = t - c.timespanMs;
    let drop = 0;
    while (drop < g.items.length && g.items[drop]!.time < from) drop++;
    if (drop > 0) g.items.splice(0, drop);
    g.first = g.items[0]?.time ?? t;
    const n = this.count(c, g);
    const fallback = c.type === 'temporal' ? new Set(c.rules).size : 1;
    if (!meets(c.condition, n, fallback)) return out.length ? out : undefined;
    out.push(this.hit(c, group, g, t, n));
    this.groups.get(c.key)?.delete(key);
    return out;
  }

  /** Adds an observation to a group; past the per-group cap the oldest is dropped and counted as evicted. */
  private record(c: SigmaCorrelation, g: GroupState, time: number, value: string): void {
    if (g.items.length >= this.maxItems) {
      g.items.shift();
      this.evicted.set(c, (this.evicted.get(c) ?? 0) + 1);
    }
    g.items.push({ time, value });
  }

  private valueOf(c: SigmaCorrelation, o: Observation): string {
    if (c.type === 'value_count') return c.valueFields.map((f) => o.field(f) ?? '').join('\u0000');
    if (c.type === 'value_sum' || c.type === 'value_avg') return o.field(c.valueFields[0]!) ?? '';
    if (c.type === 'temporal' || c.type === 'temporal_ordered') return o.ruleKey;
    return '';
  }

  private ordered(
    c: SigmaCorrelation,
    group: Record<string, string>,
    key: string,
    g: GroupState,
    o: Observation,
    out: CorrelationHit[],
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
    this.record(c, g, t, o.ruleKey);
    // Only observations inside the timespan can still belong to a chain: older ones are forgotten.
    let drop = 0;
    while (drop < g.items.length && g.items[drop]!.time < t - c.timespanMs) drop++;
    if (drop > 0) g.items.splice(0, drop);
    const done = steps[c.rules.length - 1];
    if (done === undefined) return out.length ? out : undefined;
    g.first = done;
    out.push(this.hit(c, group, g, t, c.rules.length));
    this.groups.get(c.key)?.delete(key);
    return out;
  }
}

function hitObservation(h: CorrelationHit): Observation {
  return { ruleKey: h.correlation.key, time: h.time, field: (name) => h.group[name] };
}
