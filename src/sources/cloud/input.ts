import { createReadStream } from 'node:fs';
import { type FileHandle, lstat, open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { MinewardenError } from '../../model/errors.js';

/** Files under a path, in name order: a file is itself; a directory is walked (symlinked directories are not followed). */
export async function listInputFiles(path: string): Promise<string[]> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch (err) {
    throw inputError(path, err);
  }
  if (st.isFile()) return [path];
  if (!st.isDirectory())
    throw new MinewardenError('MW_INPUT_UNREADABLE', 'not a file or directory', { file: path });
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (err) {
      throw inputError(dir, err);
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const p = join(dir, name);
      const l = await lstat(p);
      if (l.isDirectory()) await walk(p);
      else if (l.isFile()) out.push(p);
    }
  };
  await walk(path);
  return out;
}

export function inputError(path: string, err: unknown): MinewardenError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT')
    return new MinewardenError('MW_INPUT_NOT_FOUND', 'no such file or directory', { file: path });
  return new MinewardenError('MW_INPUT_UNREADABLE', `cannot read (${code ?? String(err)})`, { file: path });
}

export interface ByteSourceOptions {
  /**
   * A gzip member inflating past this ratio (after `bombMinBytes`) is cut off: real flow logs and CloudTrail files
   * compress 5-30:1, a decompression bomb 1000:1.
   */
  maxRatio?: number;
  bombMinBytes?: number;
}

/** What reading a file's bytes saw: how much, whether gzip, and whether it was cut off as a bomb. */
export interface ByteStats {
  gzip: boolean;
  bytesIn: number;
  bytesOut: number;
  cutOff: string | null;
}

const CHUNK = 1 << 20;
/** Whether the consumer lets go of each chunk before asking for the next, so buffers can be read into again. */
export interface ChunkReuse {
  on: boolean;
}

/**
 * A regular file's bytes, the next chunk read (on the thread pool) while the consumer works on this one; into two
 * buffers taken in turn when `reuse.on`, so a file read through once leaves the GC no 1 MiB buffer per chunk.
 */
async function* readPlain(
  fh: FileHandle,
  size: number,
  stats: ByteStats,
  reuse: ChunkReuse,
): AsyncGenerator<Buffer> {
  // A small file (a shipper's 5-minute flow log) gets buffers its size, not 1 MiB each; one that grows meanwhile
  // is read on in more chunks.
  const chunk = Math.min(CHUNK, Math.max(16 * 1024, size + 1));
  const pair: (Buffer | undefined)[] = [undefined, undefined];
  const take = (i: number): Buffer => {
    if (!reuse.on) return Buffer.allocUnsafe(chunk);
    let b = pair[i];
    if (!b) {
      b = Buffer.allocUnsafe(chunk);
      pair[i] = b;
    }
    return b;
  };
  let turn = 0;
  let pos = 0;
  let pending = fh.read(take(turn), 0, chunk, pos);
  try {
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) return;
      pos += bytesRead;
      stats.bytesIn += bytesRead;
      stats.bytesOut += bytesRead;
      turn ^= 1;
      pending = fh.read(take(turn), 0, chunk, pos);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await pending.catch(() => undefined);
  }
}

/**
 * The file's bytes, inflated when it starts with the gzip magic (members concatenated by log shippers included),
 * in chunks of about 1 MiB: never the whole file in memory.
 */
export async function* readBytes(
  path: string,
  stats: ByteStats,
  o: ByteSourceOptions = {},
  reuse: ChunkReuse = { on: false },
): AsyncGenerator<Buffer> {
  const maxRatio = o.maxRatio ?? 200;
  const bombMin = o.bombMinBytes ?? 64 * CHUNK;
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw inputError(path, err);
  }
  try {
    const magic = Buffer.alloc(2);
    await fh.read(magic, 0, 2, 0);
    stats.gzip = magic[0] === 0x1f && magic[1] === 0x8b;
    // Plain regular files are read by position; anything else (a FIFO) as a stream.
    const st = stats.gzip ? null : await fh.stat();
    if (st?.isFile()) {
      yield* readPlain(fh, st.size, stats, reuse);
      return;
    }
  } catch (err) {
    throw inputError(path, err);
  } finally {
    await fh.close();
  }
  const raw = createReadStream(path, { highWaterMark: CHUNK });
  raw.on('data', (c) => {
    stats.bytesIn += c.length;
  });
  if (!stats.gzip) {
    try {
      for await (const chunk of raw) {
        stats.bytesOut += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
    } catch (err) {
      throw inputError(path, err);
    }
    return;
  }
  const gunzip = createGunzip({ chunkSize: CHUNK });
  raw.pipe(gunzip);
  raw.on('error', (err) => gunzip.destroy(err));
  try {
    for await (const chunk of gunzip) {
      stats.bytesOut += (chunk as Buffer).length;
      if (stats.bytesOut > bombMin && stats.bytesOut > maxRatio * Math.max(1, stats.bytesIn)) {
        stats.cutOff = `gzip inflates over ${maxRatio}:1 (${stats.bytesIn} bytes to more than ${stats.bytesOut}): decompression bomb? reading stopped`;
        break;
      }
      yield chunk as Buffer;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code?.startsWith('Z_'))
      stats.cutOff = `gzip stream is damaged after ${stats.bytesOut} inflated bytes (${(err as Error).message}); the rest was skipped`;
    else throw inputError(path, err);
  } finally {
    raw.unpipe(gunzip);
    raw.destroy();
    gunzip.destroy();
  }
}

/** A file opened for reading: its first meaningful byte (to tell JSON from text) and all its bytes as chunks. */
export interface OpenedInput {
  bytes: ByteStats;
  /** First byte that is not whitespace or a UTF-8 BOM, or -1 for an empty file. */
  first: number;
  chunks: AsyncIterable<Buffer>;
  /**
   * Lets go of the file: a reader that stops before the end (not JSON, a refused header) must call it, because the
   * first chunk was already read and the file stays open until the reading is finished or returned.
   */
  close(): Promise<void>;
}

/**
 * `reuseWhen` says, from the first byte, whether the consumer lets go of each chunk before taking the next (a line
 * reader that copies what it carries over): then a plain file is read into one buffer over and over.
 */
export async function openInput(
  path: string,
  o: ByteSourceOptions = {},
  reuseWhen: (first: number) => boolean = () => false,
): Promise<OpenedInput> {
  const bytes: ByteStats = { gzip: false, bytesIn: 0, bytesOut: 0, cutOff: null };
  const reuse: ChunkReuse = { on: false };
  const gen = readBytes(path, bytes, o, reuse);
  const held: Buffer[] = [];
  let first = -1;
  let done = false;
  while (first < 0) {
    const r = await gen.next();
    if (r.done) {
      done = true;
      break;
    }
    held.push(r.value);
    for (const c of r.value) {
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xef || c === 0xbb || c === 0xbf)
        continue;
      first = c;
      break;
    }
  }
  reuse.on = first >= 0 && reuseWhen(first);
  async function* chunks(): AsyncGenerator<Buffer> {
    yield* held;
    held.length = 0;
    if (!done) yield* gen;
  }
  const close = async (): Promise<void> => {
    await gen.return(undefined);
  };
  return { bytes, first, chunks: chunks(), close };
}
