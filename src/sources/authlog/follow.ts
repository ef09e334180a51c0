import { type FileHandle, open, stat } from 'node:fs/promises';
import { DEFAULT_MAX_LINE, LineSplitter, type LineStats } from './lines.js';

export interface FollowOptions {
  /** How often to look at the file (ms); fs events are not relied on, they miss renames on some filesystems. */
  pollMs?: number;
  /** Start at the end of an existing file (tail -f) instead of reading it whole first. */
  fromEnd?: boolean;
  maxLineLength?: number;
  /** Called with each batch of complete lines, in order. */
  onLines: (lines: string[]) => void;
  onError?: (err: Error) => void;
}

export interface FollowStats extends LineStats {
  rotations: number;
  truncations: number;
  bytes: number;
}

/**
 * One read. A follower lives as long as the agent and mostly reads a few lines every poll: a larger buffer would stay
 * resident for nothing (a burst is read in more turns, each a thread-pool read).
 */
const CHUNK = 64 * 1024;

/**
 * Follows a log file across rotation: rename (logrotate's default: the old file is read to its end, then the new
 * one from the start), copytruncate and plain truncation (size drops below our offset: start over), and a file that
 * does not exist yet (waits for it). Memory is bounded by the line cap and one read chunk.
 */
export class LogFollower {
  readonly stats: FollowStats = { tooLong: 0, rotations: 0, truncations: 0, bytes: 0 };
  private fh: FileHandle | undefined;
  private ino = -1;
  private pos = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private first = true;
  private splitter: LineSplitter;
  private readonly buf = Buffer.alloc(CHUNK);
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly opts: FollowOptions,
  ) {
    this.splitter = new LineSplitter(opts.maxLineLength ?? DEFAULT_MAX_LINE, this.stats);
  }

  start(): void {
    this.schedule(0);
  }

  /** Stops polling; resolves once the tick in progress (if any) is done and the file is closed. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
  }

  /** One look at the file now (tests call it to avoid waiting for the poll). */
  poll(): Promise<void> {
    this.running = this.running.then(() => this.tick()).catch((err: Error) => this.opts.onError?.(err));
    return this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.poll().then(() => this.schedule(this.opts.pollMs ?? 250));
    }, ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const st = await stat(this.path).catch(() => undefined);
    if (this.fh && (!st || st.ino !== this.ino)) {
      // Renamed away (or deleted): what was written to the old file before the switch is still ours to read.
      await this.drain();
      this.endOfFile();
      await this.fh.close().catch(() => undefined);
      this.fh = undefined;
      this.stats.rotations++;
    }
    if (!st) return;
    if (!this.fh) {
      this.fh = await open(this.path, 'r');
      this.ino = st.ino;
      this.pos = this.first && this.opts.fromEnd ? st.size : 0;
      this.first = false;
    } else if (st.size < this.pos) {
      this.stats.truncations++;
      this.pos = 0;
      this.splitter = new LineSplitter(this.opts.maxLineLength ?? DEFAULT_MAX_LINE, this.stats);
    }
    await this.drain();
  }

  private async drain(): Promise<void> {
    const fh = this.fh;
    if (!fh) return;
    for (;;) {
      const { bytesRead } = await fh.read(this.buf, 0, CHUNK, this.pos);
      if (bytesRead === 0) return;
      this.pos += bytesRead;
      this.stats.bytes += bytesRead;
      const out: string[] = [];
      this.splitter.push(this.buf.subarray(0, bytesRead), out);
      if (out.length > 0) this.opts.onLines(out);
    }
  }

  private endOfFile(): void {
    const out: string[] = [];
    this.splitter.end(out);
    if (out.length > 0) this.opts.onLines(out);
  }
}
