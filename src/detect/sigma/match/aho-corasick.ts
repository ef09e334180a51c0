/**
 * Aho-Corasick over ASCII with case folding, as a dense DFA: one table lookup per input character whatever the
 * number of needles, which is what keeps Sigma matching cost nearly flat in the number of rules.
 * Needles must be ASCII (the compiler guarantees it); non-ASCII input characters reset the automaton, except the
 * two that lowercase to ASCII (KELVIN SIGN -> k, LATIN CAPITAL I WITH DOT -> i), so the prefilter never misses
 * what the case-insensitive evaluator would match.
 */
const ALPHA = 128;
const FOLD = new Uint8Array(ALPHA);
for (let c = 0; c < ALPHA; c++) FOLD[c] = c >= 65 && c <= 90 ? c + 32 : c;

function foldChar(c: number): number {
  if (c < ALPHA) return FOLD[c]!;
  if (c === 0x212a) return 107;
  if (c === 0x130) return 105;
  return -1;
}

export class AhoCorasick {
  /** Input character class per ASCII code; 0 means no needle contains the character, which always resets. */
  private readonly classOf: Uint8Array;
  private readonly classes: number;
  private readonly delta: Int32Array;
  /** For each state, the payload ids reported there (its own needles and those of its suffix states). */
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;

  /** `needles[i]` reports every id in `payloads[i]` when found. */
  constructor(needles: readonly string[], payloads: readonly (readonly number[])[]) {
    // Only characters that occur in needles get a column: a small table stays in cache.
    this.classOf = new Uint8Array(ALPHA);
    let classes = 1;
    for (const needle of needles)
      for (let k = 0; k < needle.length; k++) {
        const c = foldChar(needle.charCodeAt(k));
        if (c < 0) throw new Error(`needle is not ASCII: ${needle}`);
        if (this.classOf[c] === 0) this.classOf[c] = classes++;
      }
    this.classes = classes;
    const gotoRows: Map<number, number>[] = [new Map()];
    const outs: Set<number>[] = [new Set()];
    needles.forEach((needle, i) => {
      let s = 0;
      for (let k = 0; k < needle.length; k++) {
        const c = this.classOf[foldChar(needle.charCodeAt(k))]!;
        let next = gotoRows[s]!.get(c);
        if (next === undefined) {
          next = gotoRows.length;
          gotoRows.push(new Map());
          outs.push(new Set());
          gotoRows[s]!.set(c, next);
        }
        s = next;
      }
      for (const id of payloads[i] ?? []) outs[s]!.add(id);
    });
    const n = gotoRows.length;
    const delta = new Int32Array(n * classes);
    const fail = new Int32Array(n);
    // Breadth-first: a state's failure target is shallower, so its row and outputs are final when used.
    const queue: number[] = [];
    for (let c = 1; c < classes; c++) {
      const t = gotoRows[0]!.get(c) ?? 0;
      delta[c] = t;
      if (t !== 0) queue.push(t);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      for (const id of outs[fail[s]!]!) outs[s]!.add(id);
      for (let c = 1; c < classes; c++) {
        const t = gotoRows[s]!.get(c);
        if (t === undefined) delta[s * classes + c] = delta[fail[s]! * classes + c]!;
        else {
          fail[t] = delta[fail[s]! * classes + c]!;
          delta[s * classes + c] = t;
          queue.push(t);
        }
      }
    }
    this.delta = delta;
    this.outStart = new Int32Array(n + 1);
    const ids: number[] = [];
    for (let s = 0; s < n; s++) {
      this.outStart[s] = ids.length;
      ids.push(...outs[s]!);
    }
    this.outStart[n] = ids.length;
    this.outIds = Int32Array.from(ids);
  }

  get states(): number {
    return this.outStart.length - 1;
  }

  /** Calls `hit(id)` for every payload id of every needle found in `text` (an id may be reported more than once). */
  scan(text: string, hit: (id: number) => void): void {
    const delta = this.delta;
    const classOf = this.classOf;
    const classes = this.classes;
    const outStart = this.outStart;
    const outIds = this.outIds;
    let s = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const c =
        code < ALPHA
          ? classOf[FOLD[code]!]!
          : code === 0x212a
            ? classOf[107]!
            : code === 0x130
              ? classOf[105]!
              : 0;
      if (c === 0) {
        s = 0;
        continue;
      }
      s = delta[s * classes + c]!;
      const a = outStart[s]!;
      const b = outStart[s + 1]!;
      for (let k = a; k < b; k++) hit(outIds[k]!);
    }
  }
}
