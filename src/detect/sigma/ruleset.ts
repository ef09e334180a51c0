import type { Test } from './compile/item.js';
import { eventLogsource, ruleSeesEvent } from './logsource.js';
import { AhoCorasick } from './match/aho-corasick.js';
import { EvalContext, type MatchInput } from './match/context.js';
import type { SigmaRule } from './parse/rule.js';

interface Scanner {
  /** Model field to scan, or null to scan every string of the event (keyword needles). */
  readonly field: string | null;
  readonly ac: AhoCorasick;
}

/** The rules one logsource sees, with the prefilter that picks which of them to evaluate for an event. */
interface Bucket {
  readonly rules: readonly SigmaRule[];
  readonly tests: readonly Test[];
  /** Rules without a literal requirement: evaluated for every event. */
  readonly always: readonly number[];
  readonly scanners: readonly Scanner[];
}

function buildBucket(rules: readonly SigmaRule[]): Bucket {
  const always: number[] = [];
  const byField = new Map<string | null, Map<string, number[]>>();
  rules.forEach((rule, idx) => {
    const req = rule.detection.requirement;
    if (req === null) {
      always.push(idx);
      return;
    }
    for (const n of req) {
      let needles = byField.get(n.field);
      if (!needles) {
        needles = new Map();
        byField.set(n.field, needles);
      }
      const list = needles.get(n.text);
      if (!list) needles.set(n.text, [idx]);
      else if (list[list.length - 1] !== idx) list.push(idx);
    }
  });
  const scanners: Scanner[] = [];
  for (const [field, needles] of byField)
    scanners.push({ field, ac: new AhoCorasick([...needles.keys()], [...needles.values()]) });
  return { rules, tests: rules.map((r) => r.detection.test), always, scanners };
}

/**
 * All loaded detection rules, compiled for speed: rules are grouped by the logsource they see (one bucket per
 * distinct event logsource, built on first use), and inside a bucket one Aho-Corasick automaton per field holds
 * the literals of every rule, so an event costs one pass over each field plus the few rules whose literals occur.
 */
export class CompiledRuleset {
  private readonly buckets = new Map<string, Bucket>();
  private readonly ctx = new EvalContext();
  private readonly mark: Uint32Array;
  private epoch = 0;
  private readonly candidates: number[] = [];

  constructor(readonly rules: readonly SigmaRule[]) {
    this.mark = new Uint32Array(rules.length);
  }

  private bucketFor(input: MatchInput): Bucket {
    const ls = eventLogsource(input);
    let b = this.buckets.get(ls.key);
    if (!b) {
      b = buildBucket(this.rules.filter((r) => ruleSeesEvent(r.logsource, ls)));
      this.buckets.set(ls.key, b);
    }
    return b;
  }

  /** Rules that match the event, in load order. */
  match(input: MatchInput): SigmaRule[] {
    const b = this.bucketFor(input);
    if (b.rules.length === 0) return [];
    const ctx = this.ctx.reset(input);
    const cand = this.candidates;
    cand.length = 0;
    if (++this.epoch === 0xffffffff) {
      this.mark.fill(0);
      this.epoch = 1;
    }
    const epoch = this.epoch;
    const mark = this.mark;
    const hit = (id: number): void => {
      if (mark[id] !== epoch) {
        mark[id] = epoch;
        cand.push(id);
      }
    };
    for (const s of b.scanners) {
      const strs = s.field === null ? ctx.allStrings(false) : ctx.strings(s.field);
      for (const text of strs) s.ac.scan(text, hit);
    }
    for (const id of b.always) hit(id);
    if (cand.length === 0) return [];
    if (cand.length > 1) cand.sort((x, y) => x - y);
    const out: SigmaRule[] = [];
    for (const id of cand) if (b.tests[id]!(ctx)) out.push(b.rules[id]!);
    return out;
  }

  /** Prefilter statistics per logsource seen so far, for the benchmark and `rules lint --stats`. */
  stats(): { logsource: string; rules: number; always: number; automatonStates: number }[] {
    return [...this.buckets].map(([key, b]) => ({
      logsource: key,
      rules: b.rules.length,
      always: b.always.length,
      automatonStates: b.scanners.reduce((n, s) => n + s.ac.states, 0),
    }));
  }
}
