/**
 * Whether a line's bytes hold any of a few fixed ASCII markers, for lines handed over in order from one chunk at a
 * time. Each marker's next place in the chunk is found once and kept until the lines pass it, so a chunk costs one
 * search per marker occurrence (plus one to the end) however many lines it holds. The search looks for the
 * marker's rarest byte (counted in the first chunk) with Buffer's native byte search and checks the rest around
 * each hit: a whole-pattern Buffer.indexOf for a pattern starting with a space was the largest single cost of
 * bench/logs. A marker of ASCII bytes is in the UTF-8 decoding of a line exactly when its bytes are in the line: a
 * decoder never folds an ASCII byte into a replacement character.
 */
export class MarkerScan {
  private readonly markers: Buffer[];
  /** Index in each marker of the byte searched for. */
  private readonly anchors: Int32Array;
  private readonly next: Int32Array;
  private chunk: Buffer | undefined = undefined;
  private anchored = false;

  constructor(markers: readonly string[]) {
    for (const m of markers)
      if (m.length === 0 || !/^[\x20-\x7e]+$/.test(m))
        throw new RangeError(`marker must be non-empty printable ASCII: ${JSON.stringify(m)}`);
    this.markers = markers.map((m) => Buffer.from(m, 'latin1'));
    this.anchors = new Int32Array(markers.length);
    this.next = new Int32Array(markers.length);
  }

  /** A new chunk (its lines come in order from here on); the reader reuses one buffer, so identity is not enough. */
  begin(chunk: Buffer): void {
    if (!this.anchored) this.anchor(chunk);
    this.chunk = chunk;
    this.next.fill(-2);
  }

  /**
   * The markers for the native line walk (native/authlog_walk.cc), once `begin` has picked their anchors: for each,
   * its anchor index, its length and its bytes. The walk answers `has` for every line it reads with them.
   */
  spec(): Uint8Array | undefined {
    if (!this.anchored) return undefined;
    if (this.packed === undefined) {
      const parts: number[] = [];
      this.markers.forEach((m, k) => {
        parts.push(this.anchors[k] as number, m.length, ...m);
      });
      // The walk takes markers of up to 255 bytes, 16 of them: past that, lines are checked here.
      const fits = this.markers.length <= 16 && this.markers.every((m) => m.length <= 255);
      this.packed = fits ? Uint8Array.from(parts) : null;
    }
    return this.packed ?? undefined;
  }

  private packed: Uint8Array | null | undefined = undefined;

  /** Whether `buf[start, end)` holds a marker. */
  has(buf: Buffer, start: number, end: number): boolean {
    const n = this.markers.length;
    if (buf !== this.chunk) {
      // A line joined across chunks: its own buffer, searched directly.
      for (let k = 0; k < n; k++) if (this.find(buf, k, start, end) >= 0) return true;
      return false;
    }
    const next = this.next;
    for (let k = 0; k < n; k++) {
      let at = next[k] as number;
      if (at === -1) continue;
      if (at < start) {
        at = this.find(buf, k, start, buf.length);
        next[k] = at;
        if (at < 0) continue;
      }
      if (at + (this.markers[k] as Buffer).length <= end) return true;
    }
    return false;
  }

  /** Where marker `k` first starts in `buf[from, to)`, or -1. */
  private find(buf: Buffer, k: number, from: number, to: number): number {
    const m = this.markers[k] as Buffer;
    const a = this.anchors[k] as number;
    const byte = m[a] as number;
    const len = m.length;
    let i = from + a;
    for (;;) {
      const hit = buf.indexOf(byte, i);
      const s = hit - a;
      if (hit < 0 || s + len > to) return -1;
      let j = 0;
      while (j < len && buf[s + j] === m[j]) j++;
      if (j === len) return s;
      i = hit + 1;
    }
  }

  /** Picks each marker's byte least frequent in `sample` (the first chunk), ties to the earliest. */
  private anchor(sample: Buffer): void {
    const counts = new Uint32Array(128);
    const n = Math.min(sample.length, 1 << 16);
    for (let i = 0; i < n; i++) {
      const c = sample[i] as number;
      if (c < 128) counts[c] = (counts[c] as number) + 1;
    }
    this.markers.forEach((m, k) => {
      let best = 0;
      for (let j = 1; j < m.length; j++)
        if ((counts[m[j] as number] as number) < (counts[m[best] as number] as number)) best = j;
      this.anchors[k] = best;
    });
    this.anchored = true;
  }
}
