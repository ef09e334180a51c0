/**
 * Aho-Corasick over ASCII with case folding, as a dense DFA: one table lookup per input character whatever the
 * number of needles, which is what keeps Sigma matching cost nearly flat in the number of rules.
 * Needles must be ASCII (the compiler guarantees it); non-ASCII input characters reset the automaton, except the
 * three that fold to ASCII (KELVIN SIGN -> k, LATIN CAPITAL I WITH DOT -> i by toLowerCase; LONG S -> s by RE2's
 * case folding), so the prefilter never misses what the case-insensitive evaluator would match.
 *
 * Layout, chosen for the per-character cost: the table is 16-bit when it can be (it must stay in the CPU cache,
 * since every character is one random access into it), states that report something are numbered last so the
 * "anything found?" check is one comparison, and hits go to a reused buffer instead of a callback.
 */
const ALPHA = 128;

function foldChar(c: number): number {
  if (c >= 65 && c <= 90) return c + 32;
  if (c < ALPHA) return c;
  if (c === 0x212a) return 107;
  if (c === 0x130) return 105;
  return -1;
}

export class AhoCorasick {
  /** Raw ASCII code -> input class (case folded); 0 means no needle has the character, which always resets. */
  private readonly classOf: Uint8Array;
  private readonly shift: number;
  private readonly delta: Uint16Array | Int32Array;
  /** States numbered >= this report payloads. */
  private readonly firstOut: number;
  /** Per reporting state (s - firstOut): its payload ids (its own needles and those of its suffix states). */
  private readonly outStart: Int32Array;
  private readonly outIds: Int32Array;
  /** Per-scan de-duplication: payload id -> scan number that last reported it. */
  private readonly seen: Uint32Array;
  private scanNo = 0;
  /** Payload ids the last scan found, each once; valid up to the count scan() returned. */
  readonly found: Int32Array;

  /** `needles[i]` reports every id in `payloads[i]` (ids below `payloadCount`) when found. */
  constructor(
    needles: readonly string[],
    payloads: readonly (readonly number[])[],
    payloadCount = needles.length,
  ) {
    // Only characters that occur in needles get a column: a narrow table stays in cache.
    const classOf = new Uint8Array(ALPHA);
    let classes = 1;
    const classOfFolded = new Uint8Array(ALPHA);
    for (const needle of needles)
      for (let k = 0; k < needle.length; k++) {
        const c = foldChar(needle.charCodeAt(k));
        if (c < 0) throw new Error(`needle is not ASCII: ${needle}`);
        if (classOfFolded[c] === 0) classOfFolded[c] = classes++;
      }
    if (classes > 255) throw new Error('too many needle characters');
    for (let c = 0; c < ALPHA; c++) classOf[c] = classOfFolded[foldChar(c)]!;
    this.classOf = classOf;

    const gotoRows: Map<number, number>[] = [new Map()];
    const outs: Set<number>[] = [new Set()];
    needles.forEach((needle, i) => {
      let s = 0;
      for (let k = 0; k < needle.length; k++) {
        const c = classOfFolded[foldChar(needle.charCodeAt(k))]!;
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
    const raw = new Int32Array(n * classes);
    const fail = new Int32Array(n);
    // Breadth-first: a state's failure target is shallower, so its row and outputs are final when used.
    const queue: number[] = [];
    for (let c = 1; c < classes; c++) {
      const t = gotoRows[0]!.get(c) ?? 0;
      raw[c] = t;
      if (t !== 0) queue.push(t);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      for (const id of outs[fail[s]!]!) outs[s]!.add(id);
      for (let c = 1; c < classes; c++) {
        const t = gotoRows[s]!.get(c);
        if (t === undefined) raw[s * classes + c] = raw[fail[s]! * classes + c]!;
        else {
          fail[t] = raw[fail[s]! * classes + c]!;
          raw[s * classes + c] = t;
          queue.push(t);
        }
      }
    }
    // Renumber: silent states first (the root stays 0: needles are never empty), reporting states after.
    const order: number[] = [];
    for (let s = 0; s < n; s++) if (outs[s]!.size === 0) order.push(s);
    this.firstOut = order.length;
    for (let s = 0; s < n; s++) if (outs[s]!.size > 0) order.push(s);
    const renum = new Int32Array(n);
    order.forEach((old, now) => {
      renum[old] = now;
    });
    // Rows padded to a power of two: a shift instead of a multiply on the per-character dependency chain.
    let shift = 0;
    while (1 << shift < classes) shift++;
    this.shift = shift;
    const delta = n < 0x10000 ? new Uint16Array(n << shift) : new Int32Array(n << shift);
    for (let now = 0; now < n; now++) {
      const old = order[now]!;
      for (let c = 0; c < classes; c++) delta[(now << shift) | c] = renum[raw[old * classes + c]!]!;
    }
    this.delta = delta;
    const reporting = n - this.firstOut;
    this.outStart = new Int32Array(reporting + 1);
    const ids: number[] = [];
    for (let r = 0; r < reporting; r++) {
      this.outStart[r] = ids.length;
      for (const id of outs[order[this.firstOut + r]!]!) ids.push(id);
    }
    this.outStart[reporting] = ids.length;
    this.outIds = Int32Array.from(ids);
    this.seen = new Uint32Array(payloadCount);
    this.found = new Int32Array(payloadCount);
  }

  get states(): number {
    return this.delta.length >> this.shift;
  }

  /** Finds every payload of every needle in `text`; returns how many distinct ids are now in `found`. */
  scan(text: string): number {
    const delta = this.delta;
    const classOf = this.classOf;
    const shift = this.shift;
    const firstOut = this.firstOut;
    let s = 0;
    let count = 0;
    let no = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const c = code < ALPHA ? classOf[code]! : this.wide(code);
      // Column 0 (characters in no needle) leads every state back to the root.
      s = delta[(s << shift) | c]!;
      if (s >= firstOut) {
        if (no === 0) no = this.nextScanNo();
        count = this.report(s - firstOut, no, count);
      }
    }
    return count;
  }

  /** The non-ASCII letters that fold to ASCII ones (lowercase or RE2 case folding); others reset. */
  private wide(code: number): number {
    if (code === 0x212a) return this.classOf[107]!;
    if (code === 0x130) return this.classOf[105]!;
    if (code === 0x17f) return this.classOf[115]!;
    return 0;
  }

  private nextScanNo(): number {
    if (++this.scanNo === 0xffffffff) {
      this.seen.fill(0);
      this.scanNo = 1;
    }
    return this.scanNo;
  }

  private report(r: number, no: number, count: number): number {
    const seen = this.seen;
    const found = this.found;
    const outIds = this.outIds;
    const end = this.outStart[r + 1]!;
    for (let k = this.outStart[r]!; k < end; k++) {
      const id = outIds[k]!;
      if (seen[id] !== no) {
        seen[id] = no;
        found[count++] = id;
      }
    }
    return count;
  }
}
