import type { FieldValue, TelemetryEvent } from '../../../model/event.js';

/** What the Sigma engine matches: an event, its logsource when the caller knows it better, and unmapped fields. */
export interface MatchInput {
  readonly event: TelemetryEvent;
  /** Overrides the logsource derived from the event kind (hunt input names its logsource explicitly). */
  readonly logsource?: { product?: string; category?: string; service?: string };
  /** Fields the field table does not know (hunt input): only keyword searches see them. */
  readonly extra?: Readonly<Record<string, FieldValue | undefined>>;
}

const EMPTY: readonly string[] = [];

function toStrings(v: FieldValue | undefined): readonly string[] {
  if (v === undefined || v === null) return EMPTY;
  if (typeof v === 'string') return [v];
  if (typeof v === 'number' || typeof v === 'boolean') return [String(v)];
  return v;
}

/**
 * Per-event view for the evaluator: string forms of fields, lowercased once per event however many rules ask.
 * One context is reused across events (reset) so matching allocates little.
 */
export class EvalContext {
  private input: MatchInput | undefined;
  private readonly raw = new Map<string, readonly string[]>();
  private readonly lower = new Map<string, readonly string[]>();
  private allRaw: string[] | undefined;
  private allLower: string[] | undefined;

  reset(input: MatchInput): this {
    this.input = input;
    this.raw.clear();
    this.lower.clear();
    this.allRaw = undefined;
    this.allLower = undefined;
    return this;
  }

  value(field: string): FieldValue | undefined {
    return this.input?.event.fields[field];
  }

  strings(field: string): readonly string[] {
    let s = this.raw.get(field);
    if (s === undefined) {
      s = toStrings(this.value(field));
      this.raw.set(field, s);
    }
    return s;
  }

  lowerStrings(field: string): readonly string[] {
    let s = this.lower.get(field);
    if (s === undefined) {
      s = this.strings(field).map((x) => x.toLowerCase());
      this.lower.set(field, s);
    }
    return s;
  }

  /** Every string value of the event, mapped or not: what a keyword search looks through. */
  allStrings(lower: boolean): readonly string[] {
    if (this.allRaw === undefined) {
      const out: string[] = [];
      const input = this.input;
      if (input) {
        for (const v of Object.values(input.event.fields)) out.push(...toStrings(v));
        if (input.extra) for (const v of Object.values(input.extra)) out.push(...toStrings(v));
      }
      this.allRaw = out;
    }
    if (!lower) return this.allRaw;
    this.allLower ??= this.allRaw.map((x) => x.toLowerCase());
    return this.allLower;
  }
}
