import { appendFileSync, mkdtempSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogFollower } from './follow.js';

function setup(fromEnd = false) {
  const dir = mkdtempSync(join(tmpdir(), 'mw-follow-'));
  const path = join(dir, 'auth.log');
  const seen: string[] = [];
  const f = new LogFollower(path, { fromEnd, onLines: (l) => seen.push(...l) });
  return { dir, path, seen, f };
}

describe('LogFollower', () => {
  it('waits for a file that appears later, and holds back a partial line', async () => {
    const { path, seen, f } = setup();
    await f.poll();
    expect(seen).toEqual([]);
    writeFileSync(path, 'one\ntw');
    await f.poll();
    expect(seen).toEqual(['one']);
    appendFileSync(path, 'o\n');
    await f.poll();
    expect(seen).toEqual(['one', 'two']);
    await f.stop();
  });

  it('rename rotation: reads the rest of the old file, then the new one from its start', async () => {
    const { path, seen, f } = setup();
    writeFileSync(path, 'a\n');
    await f.poll();
    appendFileSync(path, 'b\n');
    renameSync(path, `${path}.1`);
    appendFileSync(`${path}.1`, 'c\n');
    writeFileSync(path, 'd\n');
    await f.poll();
    expect(seen).toEqual(['a', 'b', 'c', 'd']);
    expect(f.stats.rotations).toBe(1);
    await f.stop();
  });

  it('copytruncate and truncation: starts over at the beginning', async () => {
    const { path, seen, f } = setup();
    writeFileSync(path, 'first line\nsecond line\n');
    await f.poll();
    truncateSync(path, 0);
    writeFileSync(path, 'x\n');
    await f.poll();
    expect(seen).toEqual(['first line', 'second line', 'x']);
    expect(f.stats.truncations).toBe(1);
    await f.stop();
  });

  it('fromEnd skips what the file held before following started', async () => {
    const { path, seen, f } = setup(true);
    writeFileSync(path, 'old\n');
    await f.poll();
    appendFileSync(path, 'new\n');
    await f.poll();
    expect(seen).toEqual(['new']);
    await f.stop();
  });

  it('drops an over-long line while it streams past, keeping memory bounded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-follow-'));
    const path = join(dir, 'auth.log');
    const seen: string[] = [];
    const f = new LogFollower(path, { maxLineLength: 1000, onLines: (l) => seen.push(...l) });
    writeFileSync(path, `${'z'.repeat(5000)}\nok\n`);
    await f.poll();
    expect(seen).toEqual(['ok']);
    expect(f.stats.tooLong).toBe(1);
    await f.stop();
  });
});
