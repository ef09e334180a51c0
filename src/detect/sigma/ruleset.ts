import type { FieldValue } from '../../model/event.js';
import type { Test } from './compile/item.js';
import { eventLogsource, ruleSeesEvent } from './logsource.js';
import { AhoCorasick } from './match/aho-corasick.js';
import { EvalContext, type MatchInput } from './match/context.js';
import type { SigmaRule } from './parse/rule.js';

/** The rules one logsource sees, with the prefilter that picks which of them to evaluate for an event. */
interface Bucket {
  readonly rules: readonly SigmaRule[];
  readonly tests: readonly Test[];
  /** Rules without a literal requirement: evaluated for every event. */
  readonly always: readonly number[];
  /** One automaton over every needle of every rule here; a needle is reported with its index. */
  readonly ac: AhoCorasick;
  /** Field number each needle belongs to, or -1 for keyword needles (any field). */
  readonly needleField: Int32Array;
  readonly needleRules: readonly (readonly number[])[];
  /** Model field -> field number, for the fields some needle names. */
  readonly fieldNo: ReadonlyMap<string, number>;
  /** Whether any rule here searches keywords, which means every field of the event must be scanned. */
  readonly hasKeywords: boolean;
}

function buildBucket(rules: readonly SigmaRule[]): Bucket {
  const always: number[] = [];
  const fieldNo = new Map<string, number>();
  const needleIndex = new Map<string, number>();
  const needleField: number[] = [];
  const needleRules: number[][] = [];
  const needles: string[] = [];
  rules.forEach((rule, idx) => {
    const req = rule.detection.requirement;
    if (req === null) {
      always.push(idx);
      return;
    }
    for (const n of req) {
      let f = -1;
      if (n.field !== null) {
        f = fieldNo.get(n.field) ?? fieldNo.size;
        fieldNo.set(n.field, f);
      }
      const key = `${f}\u0000${n.text}`;
      let id = needleIndex.get(key);
      if (id === undefined) {
        id = needles.length;
        needleIndex.set(key, id);
        needles.push(n.text);
        needleField.push(f);
        needleRules.push([]);
      }
      const list = needleRules[id]!;
      if (!list.includes(idx)) list.push(idx);
    }
  });
  return {
    rules,
    tests: rules.map((r) => r.detection.test),
    always,
    ac: new AhoCorasick(
      needles,
      needles.map((_, i) => [i]),
    ),
    needleField: Int32Array.from(needleField),
    needleRules,
    fieldNo,
    hasKeywords: needleField.includes(-1),
  };
}

type Hit = (id: number) => void;

function scanValue(ac: AhoCorasick, v: FieldValue | undefined, hit: Hit): void {
  if (typeof v === 'string') ac.scan(v, hit);
  else if (typeof v === 'number' || typeof v === 'boolean') ac.scan(String(v), hit);
  else if (Array.isArray(v)) for (const x of v as readonly string[]) ac.scan(x, hit);
}

/**
 * All loaded detection rules, compiled for speed: rules are grouped by the logsource they see (one bucket per
 * distinct event logsource, built on first use), and inside a bucket one Aho-Corasick automaton per field holds
 * the literals of every rule, so an event costs one pass over each field plus the few rules whose literals occur.
 */
export class CompiledRuleset {
  private readonly buckets = new Map<string, Bucket>();
  private readonly fast = new Map<string, Bucket>();
  private readonly ctx = new EvalContext();
  private readonly mark: Uint32Array;
  private epoch = 0;
  private readonly candidates: number[] = [];
  private bucket: Bucket | undefined;
  /** Field number being scanned (-2: a field no needle names). */
  private current = -2;

  constructor(readonly rules: readonly SigmaRule[]) {
    this.mark = new Uint32Array(rules.length);
  }

  private bucketFor(input: MatchInput): Bucket {
    if (input.logsource) return this.bucketByLogsource(input);
    // Fast path for model events: the logsource depends only on kind, source and one field, so cache on those
    // instead of rebuilding the routing keys for every event.
    const e = input.event;
    const detail =
      e.kind === 'file'
        ? e.fields['file.action']
        : e.kind === 'log' || e.kind === 'auth'
          ? e.fields['log.program']
          : '';
    const k = `${e.kind}\u0000${e.source}\u0000${typeof detail === 'string' ? detail : ''}`;
    let b = this.fast.get(k);
    if (!b) {
      b = this.bucketByLogsource(input);
      if (this.fast.size < 4096) this.fast.set(k, b);
    }
    return b;
  }

  private bucketByLogsource(input: MatchInput): Bucket {
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
    this.candidates.length = 0;
    if (++this.epoch === 0xffffffff) {
      this.mark.fill(0);
      this.epoch = 1;
    }
    this.bucket = b;
    const fields = input.event.fields;
    if (!b.hasKeywords) {
      for (const [field, no] of b.fieldNo) {
        this.current = no;
        scanValue(b.ac, fields[field], this.hit);
      }
    } else {
      // Keyword rules search every string of the event, mapped or not.
      for (const field in fields) {
        this.current = b.fieldNo.get(field) ?? -2;
        scanValue(b.ac, fields[field], this.hit);
      }
      this.current = -2;
      const extra = input.extra;
      if (extra) for (const field in extra) scanValue(b.ac, extra[field], this.hit);
    }
    for (const id of b.always) this.candidate(id);
    const cand = this.candidates;
    if (cand.length === 0) return [];
    if (cand.length > 1) cand.sort((x, y) => x - y);
    // The per-event view is only built when some rule is worth evaluating.
    const ctx = this.ctx.reset(input);
    const out: SigmaRule[] = [];
    for (const id of cand) if (b.tests[id]!(ctx)) out.push(b.rules[id]!);
    return out;
  }

  private candidate(id: number): void {
    if (this.mark[id] !== this.epoch) {
      this.mark[id] = this.epoch;
      this.candidates.push(id);
    }
  }

  /** Needle callback of the automaton; bound once, reads the bucket and field being scanned from the instance. */
  private readonly hit: Hit = (needle) => {
    const b = this.bucket!;
    const f = b.needleField[needle]!;
    if (f !== -1 && f !== this.current) return;
    for (const id of b.needleRules[needle]!) this.candidate(id);
  };

  /** Prefilter statistics per logsource seen so far, for the benchmark and `rules lint --stats`. */
  stats(): { logsource: string; rules: number; always: number; automatonStates: number }[] {
    return [...this.buckets].map(([key, b]) => ({
      logsource: key,
      rules: b.rules.length,
      always: b.always.length,
      automatonStates: b.ac.states,
    }));
  }
}
