import type { EventFields, FieldValue } from '../../model/event.js';
import type { Test } from './compile/item.js';
import { AhoCorasick } from './match/aho-corasick.js';
import { needleWindow } from './match/needle-window.js';
import type { SigmaRule } from './parse/rule.js';

/** `String(number)` is NaN, [-]Infinity or digits with '.', '-', 'e', '+' (needles are case-folded). */
function canOccurInNumber(needle: string): boolean {
  return '-infinity'.includes(needle) || 'nan'.includes(needle) || /^[0-9.e+-]+$/.test(needle);
}

function canOccurInBoolean(needle: string): boolean {
  return 'true'.includes(needle) || 'false'.includes(needle);
}

/**
 * The rules one event logsource sees, with the prefilter that picks which of them to evaluate for an event: one
 * Aho-Corasick automaton over the needles of every rule here, run once over each string of the event that some
 * needle can occur in, whatever the number of rules.
 */
export class Bucket {
  readonly tests: readonly Test[];
  /** Rules without a literal requirement: evaluated for every event. */
  private readonly always: Int32Array;
  private readonly ac: AhoCorasick;
  /** Needle texts (after windowing), for statistics. */
  readonly needles: readonly string[];
  /** Field number each needle belongs to, or -1 for keyword needles (any field). */
  private readonly needleField: Int32Array;
  /** Clauses needle i satisfies: clauseIds[clauseStart[i] .. clauseStart[i + 1]). */
  private readonly clauseStart: Int32Array;
  private readonly clauseIds: Int32Array;
  /** Rule of each clause, and per rule how many of its clauses must hold (all of them). */
  private readonly clauseRule: Int32Array;
  private readonly ruleNeed: Uint8Array;
  /** Per event (epoch): clauses that hold, and per rule how many of its clauses do. */
  private readonly clauseMark: Uint32Array;
  private readonly ruleSeen: Uint32Array;
  private readonly ruleHave: Uint8Array;
  /** Model field -> field number, for the fields some needle names. */
  /** A null-prototype object rather than a Map: a property load is the cheapest lookup V8 has for field names. */
  private readonly fieldNo: Readonly<Record<string, number | undefined>>;
  private readonly fieldNames: readonly string[];
  /** Whether some rule here searches keywords: then every string of the event is scanned. */
  private readonly hasKeywords: boolean;
  /** Whether a keyword needle can occur in the text of a number / a boolean (otherwise those are skipped). */
  private readonly keywordNumbers: boolean;
  private readonly keywordBooleans: boolean;
  private readonly mark: Uint32Array;
  private epoch = 0;
  /** Candidate rule indexes of the last `candidates` call, valid up to the count it returned. */
  readonly picked: Int32Array;
  private count = 0;

  /**
   * Every field a rule here reads, sorted, when that is all they read (no keyword search): the answer for an event
   * depends on these values only. Null otherwise.
   */
  readonly readFields: readonly string[] | null;

  constructor(readonly rules: readonly SigmaRule[]) {
    this.tests = rules.map((r) => r.detection.test);
    this.readFields = rules.every((r) => r.detection.keywords === false)
      ? [...new Set(rules.flatMap((r) => r.detection.fields))].sort()
      : null;
    const always: number[] = [];
    const fieldNo = new Map<string, number>();
    const needleIndex = new Map<string, number>();
    const needleField: number[] = [];
    const needleClauses: number[][] = [];
    const needles: string[] = [];
    const clauseRule: number[] = [];
    this.ruleNeed = new Uint8Array(rules.length);
    rules.forEach((rule, idx) => {
      const req = rule.detection.requirement;
      if (req === null) {
        always.push(idx);
        return;
      }
      this.ruleNeed[idx] = req.length;
      for (const clause of req) {
        const cl = clauseRule.length;
        clauseRule.push(idx);
        for (const n of clause) {
          let f = -1;
          if (n.field !== null) {
            f = fieldNo.get(n.field) ?? fieldNo.size;
            fieldNo.set(n.field, f);
          }
          const text = needleWindow(n.text);
          const key = `${f}\u0000${text}`;
          let id = needleIndex.get(key);
          if (id === undefined) {
            id = needles.length;
            needleIndex.set(key, id);
            needles.push(text);
            needleField.push(f);
            needleClauses.push([]);
          }
          const list = needleClauses[id]!;
          if (!list.includes(cl)) list.push(cl);
        }
      }
    });
    this.needles = needles;
    this.always = Int32Array.from(always);
    this.ac = new AhoCorasick(
      needles,
      needles.map((_, i) => [i]),
    );
    this.needleField = Int32Array.from(needleField);
    this.clauseStart = new Int32Array(needles.length + 1);
    const ids: number[] = [];
    needleClauses.forEach((list, i) => {
      this.clauseStart[i] = ids.length;
      ids.push(...list);
    });
    this.clauseStart[needles.length] = ids.length;
    this.clauseIds = Int32Array.from(ids);
    this.clauseRule = Int32Array.from(clauseRule);
    this.clauseMark = new Uint32Array(clauseRule.length);
    this.ruleSeen = new Uint32Array(rules.length);
    this.ruleHave = new Uint8Array(rules.length);
    this.fieldNo = Object.assign(Object.create(null) as Record<string, number>, Object.fromEntries(fieldNo));
    this.fieldNames = [...fieldNo.keys()];
    const keywordNeedles = needles.filter((_, i) => needleField[i] === -1);
    this.hasKeywords = keywordNeedles.length > 0;
    this.keywordNumbers = keywordNeedles.some(canOccurInNumber);
    this.keywordBooleans = keywordNeedles.some(canOccurInBoolean);
    this.mark = new Uint32Array(rules.length);
    this.picked = new Int32Array(rules.length);
  }

  get automatonStates(): number {
    return this.ac.states;
  }

  get alwaysCount(): number {
    return this.always.length;
  }

  /** Picks the rules worth evaluating for these fields (in `picked`, ascending); returns how many. */
  candidates(fields: EventFields, extra: EventFields | undefined): number {
    this.count = 0;
    if (++this.epoch === 0xffffffff) {
      this.mark.fill(0);
      this.clauseMark.fill(0);
      this.ruleSeen.fill(0);
      this.epoch = 1;
    }
    if (!this.hasKeywords) {
      const names = this.fieldNames;
      for (let no = 0; no < names.length; no++) this.scanValue(fields[names[no]!], no, true);
    } else {
      // Keyword rules search every string of the event, mapped or not.
      const fieldNo = this.fieldNo;
      for (const field in fields) {
        const v = fields[field];
        // Strings are nearly every value: scanned here without the type dispatch of scanValue.
        if (typeof v === 'string') this.scanText(v, fieldNo[field] ?? -2);
        else if (v !== undefined && v !== null) {
          const no = fieldNo[field];
          this.scanValue(v, no ?? -2, no !== undefined);
        }
      }
      if (extra) for (const field in extra) this.scanValue(extra[field], -2, false);
    }
    const always = this.always;
    for (let k = 0; k < always.length; k++) this.add(always[k]!);
    const n = this.count;
    // Insertion sort: a handful of candidates, and no typed-array view allocated per event.
    const picked = this.picked;
    for (let i = 1; i < n; i++) {
      const x = picked[i]!;
      let j = i - 1;
      while (j >= 0 && picked[j]! > x) {
        picked[j + 1] = picked[j]!;
        j--;
      }
      picked[j + 1] = x;
    }
    return n;
  }

  /** `named`: some field needle names this field, so its numbers and booleans are worth scanning too. */
  private scanValue(v: FieldValue | undefined, no: number, named: boolean): void {
    if (typeof v === 'string') this.scanText(v, no);
    else if (typeof v === 'number') {
      if (named || this.keywordNumbers) this.scanText(String(v), no);
    } else if (typeof v === 'boolean') {
      if (named || this.keywordBooleans) this.scanText(v ? 'true' : 'false', no);
    } else if (Array.isArray(v)) for (const x of v as readonly string[]) this.scanText(x, no);
  }

  private scanText(text: string, no: number): void {
    const n = this.ac.scan(text);
    if (n === 0) return;
    const found = this.ac.found;
    const needleField = this.needleField;
    for (let k = 0; k < n; k++) {
      const needle = found[k]!;
      const f = needleField[needle]!;
      if (f !== -1 && f !== no) continue;
      const end = this.clauseStart[needle + 1]!;
      for (let k = this.clauseStart[needle]!; k < end; k++) this.satisfy(this.clauseIds[k]!);
    }
  }

  /** A clause holds: its rule is a candidate once all of its clauses do. */
  private satisfy(cl: number): void {
    const epoch = this.epoch;
    if (this.clauseMark[cl] === epoch) return;
    this.clauseMark[cl] = epoch;
    const rule = this.clauseRule[cl]!;
    if (this.ruleSeen[rule] !== epoch) {
      this.ruleSeen[rule] = epoch;
      this.ruleHave[rule] = 0;
    }
    if (++this.ruleHave[rule]! === this.ruleNeed[rule]) this.add(rule);
  }

  private add(id: number): void {
    if (this.mark[id] !== this.epoch) {
      this.mark[id] = this.epoch;
      this.picked[this.count++] = id;
    }
  }
}
