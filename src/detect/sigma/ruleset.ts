import { Bucket } from './bucket.js';
import { eventLogsource, ruleSeesEvent } from './logsource.js';
import { EvalContext, type MatchInput } from './match/context.js';
import { memoKey, ResultMemo } from './memo.js';
import type { SigmaRule } from './parse/rule.js';

/** Most events match nothing: one shared empty answer instead of an allocation per event. */
const NONE: readonly SigmaRule[] = Object.freeze([]);

/**
 * All loaded detection rules, compiled for speed: rules are grouped by the logsource they see (one bucket per
 * distinct event logsource, built on first use), and inside a bucket one Aho-Corasick automaton holds the
 * literals of every rule, so an event costs one pass over each of its strings plus the few rules whose literals
 * occur.
 */
export class CompiledRuleset {
  private readonly buckets = new Map<string, Bucket>();
  /** kind -> source -> detail (file action or logging program) -> bucket, for model events. */
  private readonly fast = new Map<string, Map<string, Map<string, Bucket>>>();
  private fastSize = 0;
  /** product -> category -> service -> bucket, for events that state their logsource (hunt input). */
  private readonly stated = new Map<string, Map<string, Map<string, Bucket>>>();
  private statedSize = 0;
  private readonly ctx = new EvalContext();
  private readonly memo: ResultMemo | null;

  /**
   * `memo`: remember the answer per distinct values of the fields a logsource's rules read (when none searches
   * keywords), for callers that see the same input again and again: an agent's process snapshots and exec events
   * (a busy host starts the same commands over and over).
   */
  constructor(
    readonly rules: readonly SigmaRule[],
    options: { memo?: boolean } = {},
  ) {
    this.memo = options.memo ? new ResultMemo() : null;
  }

  private bucketFor(input: MatchInput): Bucket {
    const ls = input.logsource;
    if (ls) {
      const hit = lookup(this.stated, ls.product ?? '', ls.category ?? '', ls.service ?? '');
      if (hit) return hit;
      const b = this.bucketByLogsource(input);
      if (this.statedSize < 4096) {
        store(this.stated, ls.product ?? '', ls.category ?? '', ls.service ?? '', b);
        this.statedSize++;
      }
      return b;
    }
    // The logsource of a model event depends only on kind, source and one field: look the bucket up on those
    // instead of rebuilding the routing keys for every event.
    const e = input.event;
    const detail =
      e.kind === 'file'
        ? e.fields['file.action']
        : e.kind === 'log' || e.kind === 'auth'
          ? e.fields['log.program']
          : '';
    const d = typeof detail === 'string' ? detail : '';
    const hit = lookup(this.fast, e.kind, e.source, d);
    if (hit) return hit;
    const b = this.bucketByLogsource(input);
    if (this.fastSize < 4096) {
      store(this.fast, e.kind, e.source, d, b);
      this.fastSize++;
    }
    return b;
  }

  private bucketByLogsource(input: MatchInput): Bucket {
    const ls = eventLogsource(input);
    let b = this.buckets.get(ls.key);
    if (!b) {
      b = new Bucket(this.rules.filter((r) => ruleSeesEvent(r.logsource, ls)));
      this.buckets.set(ls.key, b);
    }
    return b;
  }

  /** Rules that match the event, in load order. */
  match(input: MatchInput): readonly SigmaRule[] {
    const b = this.bucketFor(input);
    if (b.rules.length === 0) return NONE;
    if (this.memo === null || b.readFields === null || input.extra !== undefined)
      return this.evaluate(b, input);
    const key = memoKey(input.event.fields, b.readFields);
    if (key === null) return this.evaluate(b, input);
    const known = this.memo.get(b, key);
    if (known !== undefined) return known;
    const out = this.evaluate(b, input);
    this.memo.set(b, key, out);
    return out;
  }

  private evaluate(b: Bucket, input: MatchInput): readonly SigmaRule[] {
    const n = b.candidates(input.event.fields, input.extra);
    if (n === 0) return NONE;
    // The per-event view is only built when some rule is worth evaluating.
    const ctx = this.ctx.reset(input);
    let out: SigmaRule[] | undefined;
    const picked = b.picked;
    for (let k = 0; k < n; k++) {
      const id = picked[k]!;
      if (!b.tests[id]!(ctx)) continue;
      if (out === undefined) out = [];
      out.push(b.rules[id]!);
    }
    return out ?? NONE;
  }

  /** Prefilter statistics per logsource seen so far, for the benchmark and `rules lint --stats`. */
  stats(): { logsource: string; rules: number; always: number; automatonStates: number }[] {
    return [...this.buckets].map(([key, b]) => ({
      logsource: key,
      rules: b.rules.length,
      always: b.alwaysCount,
      automatonStates: b.automatonStates,
    }));
  }
}

type Tree<T> = Map<string, Map<string, Map<string, T>>>;

function lookup<T>(tree: Tree<T>, a: string, b: string, c: string): T | undefined {
  return tree.get(a)?.get(b)?.get(c);
}

function store<T>(tree: Tree<T>, a: string, b: string, c: string, v: T): void {
  let x = tree.get(a);
  if (!x) {
    x = new Map();
    tree.set(a, x);
  }
  let y = x.get(b);
  if (!y) {
    y = new Map();
    x.set(b, y);
  }
  y.set(c, v);
}
