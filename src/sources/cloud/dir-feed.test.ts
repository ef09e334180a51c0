import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirFeed } from './dir-feed.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mw-dir-feed-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Two looks: a file is ready once it held still between them. */
async function readyAfterTwoLooks(feed: DirFeed): Promise<string[]> {
  await feed.poll();
  return (await feed.poll()).map((f) => f.path);
}

describe('DirFeed listing', () => {
  it('walks nested directories in name order; leaves out dot names, partial names and symlinks', async () => {
    const root = join(dir, 'tree');
    const outside = join(dir, 'outside');
    mkdirSync(join(root, 'b/deeper'), { recursive: true });
    mkdirSync(join(root, '.hidden'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    for (const p of [
      'z.log',
      'a.log',
      'b/deeper/c.log',
      'b/x.log.part',
      'b/.y.log',
      '.hidden/h.log',
      'w.log.tmp',
    ])
      writeFileSync(join(root, p), 'x\n');
    writeFileSync(join(outside, 'o.log'), 'x\n');
    symlinkSync(outside, join(root, 'linked-dir'));
    symlinkSync(join(outside, 'o.log'), join(root, 'linked.log'));
    const feed = await DirFeed.open([root], join(dir, 'tree-state.json'));
    const ready = (await readyAfterTwoLooks(feed)).map((p) => relative(root, p));
    expect(ready).toEqual(['a.log', 'b/deeper/c.log', 'z.log']);
  });

  it('takes a root that is a file as itself, and many files across turns of the event loop', async () => {
    const file = join(dir, 'one.log');
    writeFileSync(file, 'x\n');
    expect(await readyAfterTwoLooks(await DirFeed.open([file], join(dir, 'one-state.json')))).toEqual([file]);
    const many = join(dir, 'many');
    mkdirSync(many);
    for (let i = 0; i < 2100; i++) writeFileSync(join(many, `f${String(i).padStart(5, '0')}.log`), 'x\n');
    const feed = await DirFeed.open([many], join(dir, 'many-state.json'));
    expect(await readyAfterTwoLooks(feed)).toHaveLength(2100);
  });

  it('a missing root is an input error naming it', async () => {
    const feed = await DirFeed.open([join(dir, 'nope')], join(dir, 'nope-state.json'));
    await expect(feed.poll()).rejects.toThrow(`${join(dir, 'nope')}: no such file or directory`);
  });
});
