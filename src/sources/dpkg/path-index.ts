/**
 * A set of paths, each with the index of the list that names it, kept as one number per path in a sorted
 * Float64Array: a 32-bit hash of the path times 2^21 plus the list index (exact in a double). About 8 bytes a path
 * instead of a string and a map entry (a full server's dpkg lists hold ~130,000 paths: ~1 MB here, ~15 MB of heap
 * as a Map). A hash hit is only a candidate; the caller confirms it against the list itself, so a collision,
 * accidental or crafted, never makes a path look owned.
 */

const LIST_BITS = 2 ** 21;
/** Lists beyond this many cannot be indexed (dpkg hosts have a few thousand). */
export const MAX_LISTS = LIST_BITS;

/** Hash of s[start, end), so a list's lines are indexed without a string per line. */
function hash(s: string, start = 0, end = s.length): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  return (h ^ (h >>> 12)) >>> 0;
}

export class PathIndexBuilder {
  private keys = new Float64Array(4096);
  size = 0;

  /** Adds text[start, end) as a path named by list `listIndex`. */
  add(text: string, start: number, end: number, listIndex: number): void {
    if (this.size === this.keys.length) {
      const bigger = new Float64Array(this.keys.length * 2);
      bigger.set(this.keys);
      this.keys = bigger;
    }
    this.keys[this.size++] = hash(text, start, end) * LIST_BITS + listIndex;
  }

  build(): PathIndex {
    // A numeric sort without a comparator stays native; lower list indexes sort first within one hash.
    const keys = this.keys.slice(0, this.size).sort();
    this.keys = new Float64Array(0);
    return new PathIndex(keys);
  }
}

export class PathIndex {
  constructor(private readonly keys: Float64Array) {}

  get size(): number {
    return this.keys.length;
  }

  /** Indexes of the lists that may name the path, lowest first (a hash match, to be confirmed). */
  candidates(path: string): number[] {
    const first = hash(path) * LIST_BITS;
    const end = first + LIST_BITS;
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < first) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo; i < this.keys.length && this.keys[i]! < end; i++) {
      const list = this.keys[i]! - first;
      if (out[out.length - 1] !== list) out.push(list);
    }
    return out;
  }
}
