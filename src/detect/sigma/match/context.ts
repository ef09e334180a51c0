import type { FieldValue, TelemetryEvent } from '../../../model/event.js';

/** What the Sigma engine matches: an event, its logsource when the caller knows it better, and unmapped fields. */
export interface MatchInput {
  readonly event: TelemetryEvent;
  /** Overrides the logsource derived from the event kind (hunt input names its logsource explicitly). */
  readonly logsource?: { product?: string; category?: string; service?: string };
  /** Fields the field table does not know (hunt input): only keyword searches see them. */
  readonly extra?: Readonly<Record<string, FieldValue | undefined>>;
}

/** Cached string forms of one field; the arrays are reused from event to event, so reading a field allocates nothing. */
interface Slot {
  rawAt: number;
  lowerAt: number;
  readonly raw: string[];
  readonly lower: string[];
}

/** Writing length is a runtime call in V8: single values (the common case) overwrite in place instead. */
function fill(out: string[], v: FieldValue | undefined): void {
  if (typeof v === 'string' && out.length === 1) out[0] = v;
  else {
    if (out.length !== 0) out.length = 0;
    pushStrings(out, v);
  }
}

function fillLower(out: string[], from: readonly string[]): void {
  // toLowerCase returns the same string when there is nothing to fold, so lowercase text costs no copy.
  if (from.length === 1 && out.length === 1) out[0] = from[0]!.toLowerCase();
  else {
    if (out.length !== 0) out.length = 0;
    for (let i = 0; i < from.length; i++) out.push(from[i]!.toLowerCase());
  }
}

/**
 * Per-event view for the evaluator: string forms of fields, lowercased once per event however many rules ask.
 * One context is reused across events (reset bumps an epoch) so matching allocates next to nothing.
 * The arrays it returns are only valid until the next reset.
 */
export class EvalContext {
  private input: MatchInput | undefined;
  private epoch = 1;
  private readonly slots = new Map<string, Slot>();
  private readonly all: Slot = { rawAt: 0, lowerAt: 0, raw: [], lower: [] };

  reset(input: MatchInput): this {
    this.input = input;
    this.epoch++;
    return this;
  }

  value(field: string): FieldValue | undefined {
    return this.input?.event.fields[field];
  }

  private slot(field: string): Slot {
    let s = this.slots.get(field);
    if (s === undefined) {
      s = { rawAt: 0, lowerAt: 0, raw: [], lower: [] };
      this.slots.set(field, s);
    }
    return s;
  }

  strings(field: string): readonly string[] {
    const s = this.slot(field);
    if (s.rawAt !== this.epoch) {
      fill(s.raw, this.value(field));
      s.rawAt = this.epoch;
    }
    return s.raw;
  }

  lowerStrings(field: string): readonly string[] {
    const s = this.slot(field);
    if (s.lowerAt !== this.epoch) {
      fillLower(s.lower, this.strings(field));
      s.lowerAt = this.epoch;
    }
    return s.lower;
  }

  /** Every string value of the event, mapped or not: what a keyword search looks through. */
  allStrings(lower: boolean): readonly string[] {
    const s = this.all;
    if (s.rawAt !== this.epoch) {
      const out = s.raw;
      if (out.length !== 0) out.length = 0;
      const input = this.input;
      if (input) {
        const fields = input.event.fields;
        for (const k in fields) pushStrings(out, fields[k]);
        const extra = input.extra;
        if (extra) for (const k in extra) pushStrings(out, extra[k]);
      }
      s.rawAt = this.epoch;
    }
    if (!lower) return s.raw;
    if (s.lowerAt !== this.epoch) {
      fillLower(s.lower, s.raw);
      s.lowerAt = this.epoch;
    }
    return s.lower;
  }
}

function pushStrings(out: string[], v: FieldValue | undefined): void {
  if (v === undefined || v === null) return;
  if (typeof v === 'string') out.push(v);
  else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
  else for (const x of v) out.push(x);
}
