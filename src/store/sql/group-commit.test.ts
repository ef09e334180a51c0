import { describe, expect, it } from 'vitest';
import { GroupCommitter } from './group-commit.js';

/** A committer over plain numbers whose "transaction" records each group and fails on negative items. */
function recorder(maxWeight = 100) {
  const groups: number[][] = [];
  const c = new GroupCommitter<number, number>(
    async (items) => {
      groups.push([...items]);
      if (items.some((x) => x < 0)) throw new Error('bad item');
      return items.map((x) => x * 10);
    },
    { windowMs: 0, maxWeight },
  );
  return { c, groups };
}

describe('GroupCommitter', () => {
  it('applies items submitted in one turn as one group and gives each caller its own result', async () => {
    const { c, groups } = recorder();
    const out = await Promise.all([1, 2, 3].map((x) => c.submit(x, 1)));
    expect(out).toEqual([10, 20, 30]);
    expect(groups).toEqual([[1, 2, 3]]);
  });

  it('queues items that arrive while a group runs into the next group', async () => {
    const { c, groups } = recorder();
    const first = c.submit(1, 1);
    await Promise.resolve();
    const rest = [2, 3].map((x) => c.submit(x, 1));
    await Promise.all([first, ...rest]);
    expect(groups.flat()).toEqual([1, 2, 3]);
    expect(groups.length).toBeLessThanOrEqual(2);
  });

  it('splits by weight, and an item heavier than the limit still goes alone', async () => {
    const { c, groups } = recorder(10);
    await Promise.all([c.submit(1, 6), c.submit(2, 6), c.submit(3, 25), c.submit(4, 1)]);
    expect(groups).toEqual([[1], [2], [3], [4]]);
  });

  it('retries each item alone when a group fails, so only the bad item rejects', async () => {
    const { c, groups } = recorder();
    const settled = await Promise.allSettled([c.submit(1, 1), c.submit(-1, 1), c.submit(2, 1)]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(groups).toEqual([[1, -1, 2], [1], [-1], [2]]);
  });

  it('drain waits for everything submitted', async () => {
    const { c, groups } = recorder();
    const p = c.submit(5, 1);
    await c.drain();
    expect(groups).toEqual([[5]]);
    await expect(p).resolves.toBe(50);
  });
});
