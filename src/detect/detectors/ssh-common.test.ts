import { describe, expect, it } from 'vitest';
import { AttemptLog, KeyedState } from './ssh-common.js';

describe('KeyedState by spelling numbers', () => {
  it('gives the value of the key whether asked by number or by key, and forgets evicted keys either way', () => {
    let made = 0;
    const st = new KeyedState<{ n: number }>(2, () => ({ n: made++ }));
    const a = st.getNumbered('a', 7);
    expect(st.get('a')).toBe(a);
    expect(st.getNumbered('a', 7)).toBe(a);
    expect(st.peekNumbered('a', 7)).toBe(a);
    // A number not met yet falls back to the key.
    expect(st.peekNumbered('a', 3)).toBe(a);
    const b = st.getNumbered('b', 3);
    expect(st.peekNumbered('b', -1)).toBe(b);
    // A third key evicts the oldest ('a'): its number must not bring the old value back.
    st.getNumbered('c', 0);
    expect(st.peek('a')).toBeUndefined();
    expect(st.peekNumbered('a', 7)).toBeUndefined();
    const a2 = st.getNumbered('a', 7);
    expect(a2).not.toBe(a);
    expect(st.get('a')).toBe(a2);
    // Numbers past the cached range go by key alone.
    expect(st.getNumbered('a', 1 << 20)).toBe(a2);
  });

  it('stops caching by number once it has evicted, and still answers by key', () => {
    let made = 0;
    const st = new KeyedState<{ n: number }>(3, () => ({ n: made++ }));
    for (let i = 0; i < 10; i++) st.getNumbered(`k${i}`, i);
    // Only the last three keys are held; every number answers what the key does.
    for (let i = 0; i < 10; i++) expect(st.peekNumbered(`k${i}`, i)).toBe(st.peek(`k${i}`));
    expect(st.getNumbered('k9', 9)).toBe(st.get('k9'));
    expect(st.getNumbered('k0', 0)).toBe(st.get('k0'));
  });
});

describe('KeyedState eviction', () => {
  it('evicts the oldest-created key, whatever was looked up since, in bounded time per eviction', () => {
    const max = 100_000;
    const total = 300_000;
    const st = new KeyedState<{ k: string }>(max, () => ({ k: '' }));
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < total; i++) {
      st.get(`s${i}`).k = `s${i}`;
      // Looking up a held key neither re-creates nor refreshes it: s(i - max + 1) is still the oldest.
      if (i >= max) st.get(`s${i - max + 1}`);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    for (let i = total - max; i < total; i++) expect(st.peek(`s${i}`)?.k).toBe(`s${i}`);
    expect(st.peek(`s${total - max - 1}`)).toBeUndefined();
    expect(st.peek('s0')).toBeUndefined();
    // Asking the map for its first key walked past every key deleted since its last rehash: these 200,000
    // evictions took about 5 s that way, and 0.2 s with the queue.
    expect(seconds).toBeLessThan(2.5);
  });
});

describe('AttemptLog accounts', () => {
  const tried = (log: AttemptLog) => ({ users: [...log.users], dropped: log.usersDropped });

  it('lists the same accounts, in the same order, with numbers or without', () => {
    const names = ['root', 'admin', 'root', 'test', 'admin', 'root', 'x', 'y', 'x', 'z'];
    const byName = new AttemptLog();
    const byNumber = new AttemptLog();
    const mixed = new AttemptLog();
    names.forEach((u, i) => {
      const id = names.indexOf(u);
      byName.add(i, u, undefined, 1);
      byNumber.add(i, u, undefined, 1, id);
      mixed.add(i, u, undefined, 1, i % 2 === 0 ? id : -1);
    });
    expect(tried(byNumber)).toEqual(tried(byName));
    expect(tried(mixed)).toEqual(tried(byName));
    expect(tried(byName)).toEqual({ users: ['root', 'admin', 'test', 'x', 'y', 'z'], dropped: 0 });
  });

  it('counts an account past the cap each time it comes back, numbered or not', () => {
    const byName = new AttemptLog();
    const byNumber = new AttemptLog();
    const names = [...Array.from({ length: 50 }, (_, i) => `u${i}`), 'late', 'late', 'u3', 'late'];
    names.forEach((u, i) => {
      byName.add(i, u, undefined, 1);
      // 'late' is numbered past the bits AttemptLog keeps (1024) on its last try.
      byNumber.add(i, u, undefined, 1, i === names.length - 1 ? 5000 : names.indexOf(u));
    });
    expect(tried(byNumber)).toEqual(tried(byName));
    expect(byName.usersDropped).toBe(3);
  });
});
