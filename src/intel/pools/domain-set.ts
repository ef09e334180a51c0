/**
 * Domains matched by label suffix: `la01.supportxmr.com` hits an entry `supportxmr.com`. An open-addressing hash
 * table keyed by a hash of each suffix, computed right to left in one pass over the query with case folded on the
 * fly, probed only at label boundaries: a lookup allocates nothing (no lower-cased copy, no substrings). bench/intel
 * measures it against a Map probed with sliced suffixes and a label trie: about twice the Map per CPU-second, three
 * times the trie (bench/RESULTS.md).
 */
export class DomainSuffixSet<T> {
  private readonly keys: string[] = [];
  private readonly values: T[] = [];
  private readonly hashes: number[] = [];
  /**
   * Every key's characters, back to back: a probe compares against this one array instead of following the keys
   * array to a string object elsewhere in memory (one cache miss per hit instead of three; bench/intel).
   */
  private chars = new Uint16Array(1 << 12);
  private charsUsed = 0;
  private readonly offsets: number[] = [];
  /** Slots of four: (offset of the key's characters + 1, hash, entry index, key length); 16 bytes, one line. */
  private table = new Int32Array(256);
  private mask = 63;
  /** Bloom filter bits: four per table slot (eight per entry at the table's maximum load). */
  private bloom = new Uint32Array(8);
  private bloomMask = 255;
  private maxDots = 0;
  /** Which key lengths occur: most probes are skipped without touching the table. */
  private readonly lengths = new Uint8Array(256);

  get size(): number {
    return this.keys.length;
  }

  /** Adds a normalized (lowercase, no trailing dot) domain; the first value for a domain wins. */
  add(domain: string, value: T): boolean {
    const h = suffixHash(domain);
    if (domain.length > 255 || this.find(domain, 0, domain.length, h) >= 0) return false;
    if ((this.keys.length + 1) * 2 > this.mask + 1) this.grow();
    if (this.charsUsed + domain.length > this.chars.length) {
      const bigger = new Uint16Array(Math.max(this.chars.length * 2, this.charsUsed + domain.length));
      bigger.set(this.chars);
      this.chars = bigger;
    }
    const offset = this.charsUsed;
    for (let i = 0; i < domain.length; i++) this.chars[offset + i] = domain.charCodeAt(i);
    this.charsUsed += domain.length;
    this.keys.push(domain);
    this.values.push(value);
    this.hashes.push(h);
    this.offsets.push(offset);
    this.insert(this.keys.length - 1, h);
    this.lengths[domain.length] = 1;
    let dots = 0;
    for (let i = 0; i < domain.length; i++) if (domain.charCodeAt(i) === 46) dots++;
    if (dots > this.maxDots) this.maxDots = dots;
    return true;
  }

  /** The value of the longest listed suffix of `name`; case-insensitive, a trailing dot is ignored. */
  lookup(name: string): T | undefined {
    let end = name.length;
    if (end > 0 && name.charCodeAt(end - 1) === 46) end--;
    if (end === 0) return undefined;
    let h = 0x811c9dc5 | 0;
    let dots = 0;
    let best = -1;
    for (let i = end - 1; i >= 0; i--) {
      let c = name.charCodeAt(i);
      if (c === 46) {
        // A suffix starts after this dot. Entries have two labels or more, so the first dot only opens the TLD.
        if (dots > 0) {
          const idx = this.find(name, i + 1, end, h);
          if (idx >= 0) best = idx;
        }
        if (++dots > this.maxDots) return best >= 0 ? this.values[best] : undefined;
      }
      if (c >= 65 && c <= 90) c |= 32;
      h = Math.imul(h ^ c, 0x01000193);
    }
    if (dots > 0) {
      const idx = this.find(name, 0, end, h);
      if (idx >= 0) best = idx;
    }
    return best >= 0 ? this.values[best] : undefined;
  }

  *entries(): IterableIterator<[string, T]> {
    for (let i = 0; i < this.keys.length; i++) yield [this.keys[i] as string, this.values[i] as T];
  }

  /** Index of the entry equal (case-folded) to name[from, to) with hash h, or -1. */
  private find(name: string, from: number, to: number, h: number): number {
    const len = to - from;
    if (len > 255 || this.lengths[len] === 0) return -1;
    // A two-bit Bloom filter (8 bits per entry, small enough to stay in cache) answers most misses without
    // touching the table, which is megabytes for a large list and costs a cache miss per probe.
    const bloom = this.bloom;
    const bm = this.bloomMask;
    const b1 = (h >>> 3) & bm;
    const b2 = (Math.imul(h, 0x9e3779b1) >>> 5) & bm;
    if (
      ((bloom[b1 >>> 5] as number) & (1 << (b1 & 31))) === 0 ||
      ((bloom[b2 >>> 5] as number) & (1 << (b2 & 31))) === 0
    )
      return -1;
    const table = this.table;
    const mask = this.mask;
    const chars = this.chars;
    let slot = h & mask;
    for (;;) {
      const at = slot << 2;
      const v = table[at] as number;
      if (v === 0) return -1;
      if (table[at | 1] === h && table[at | 3] === len) {
        const offset = v - 1;
        let k = 0;
        while (k < len) {
          let c = name.charCodeAt(from + k);
          if (c >= 65 && c <= 90) c |= 32;
          if (c !== chars[offset + k]) break;
          k++;
        }
        if (k === len) return table[at | 2] as number;
      }
      slot = (slot + 1) & mask;
    }
  }

  private insert(index: number, h: number): void {
    const b1 = (h >>> 3) & this.bloomMask;
    const b2 = (Math.imul(h, 0x9e3779b1) >>> 5) & this.bloomMask;
    this.bloom[b1 >>> 5] = (this.bloom[b1 >>> 5] as number) | (1 << (b1 & 31));
    this.bloom[b2 >>> 5] = (this.bloom[b2 >>> 5] as number) | (1 << (b2 & 31));
    let slot = h & this.mask;
    while (this.table[slot << 2] !== 0) slot = (slot + 1) & this.mask;
    const at = slot << 2;
    this.table[at] = (this.offsets[index] as number) + 1;
    this.table[at | 1] = h;
    this.table[at | 2] = index;
    this.table[at | 3] = (this.keys[index] as string).length;
  }

  private grow(): void {
    const size = (this.mask + 1) * 2;
    this.table = new Int32Array(size * 4);
    this.mask = size - 1;
    this.bloom = new Uint32Array(size / 8);
    this.bloomMask = size * 4 - 1;
    for (let i = 0; i < this.keys.length; i++) this.insert(i, this.hashes[i] as number);
  }
}

/** FNV-1a over the characters right to left, the order lookup walks a query in. */
function suffixHash(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = s.length - 1; i >= 0; i--) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}
