/**
 * Domains matched by label suffix: `la01.supportxmr.com` hits an entry `supportxmr.com`. One hash map keyed by the
 * entries; a lookup lower-cases the name once (native, and it flattens rope strings) and probes its suffixes at
 * label boundaries, longest first, never a bare TLD (entries have two labels or more) and never one with more labels
 * than the longest entry. bench/intel times this against a label trie and a hand-rolled open-addressing table with
 * an inline hash: V8's Map with native string hashing beat both (see bench/RESULTS.md).
 */
export class DomainSuffixSet<T> {
  private readonly map = new Map<string, T>();
  private maxDots = 0;

  get size(): number {
    return this.map.size;
  }

  /** Adds a normalized (lowercase, no trailing dot) domain; the first value for a domain wins. */
  add(domain: string, value: T): boolean {
    if (this.map.has(domain)) return false;
    this.map.set(domain, value);
    let dots = 0;
    for (let i = domain.indexOf('.'); i >= 0; i = domain.indexOf('.', i + 1)) dots++;
    if (dots > this.maxDots) this.maxDots = dots;
    return true;
  }

  /** The value of the longest listed suffix of `name`; case-insensitive, a trailing dot is ignored. */
  lookup(name: string): T | undefined {
    let s = name.toLowerCase();
    let end = s.length;
    if (end > 0 && s.charCodeAt(end - 1) === 46) s = s.slice(0, --end);
    if (end === 0) return undefined;
    // Start at the longest suffix an entry could be: the one after the (maxDots+1)th dot from the right.
    let start = 0;
    let pos = end;
    for (let d = 0; d <= this.maxDots; d++) {
      const dot = s.lastIndexOf('.', pos - 1);
      if (dot < 0) {
        start = 0;
        break;
      }
      pos = dot;
      start = dot + 1;
    }
    const map = this.map;
    for (;;) {
      const hit = map.get(start === 0 ? s : s.slice(start));
      if (hit !== undefined) return hit;
      const next = s.indexOf('.', start);
      // Stop before probing the TLD alone: no entry is a single label.
      if (next < 0 || s.indexOf('.', next + 1) < 0) return undefined;
      start = next + 1;
    }
  }

  *entries(): IterableIterator<[string, T]> {
    yield* this.map.entries();
  }
}
