import { describe, expect, it } from 'vitest';
import { parseDns, readName, skipName } from './dns.js';

function message(labels: Buffer[], answer?: number[]): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(7, 0);
  h.writeUInt16BE(answer ? 0x8180 : 0x0100, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(answer ? 1 : 0, 6);
  const q = Buffer.concat([
    ...labels.map((l) => Buffer.concat([Buffer.from([l.length]), l])),
    Buffer.from([0, 0, 1, 0, 1]),
  ]);
  const rr = answer ? Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ...answer]) : Buffer.alloc(0);
  return Buffer.concat([h, q, rr]);
}

describe('parseDns', () => {
  it('lowercases names and escapes bytes that are not plain label characters', () => {
    const m = message([
      Buffer.from('Pool'),
      Buffer.from([0x61, 0x2e, 0x5c, 0x00, 0xc3, 0x41]),
      Buffer.from('COM'),
    ]);
    expect(parseDns(m, 0, m.length)?.name).toBe('pool.a\\046\\092\\000\\195a.com');
  });

  it('reads answers only when asked', () => {
    const m = message([Buffer.from('xmr'), Buffer.from('example'), Buffer.from('net')], [192, 0, 2, 7]);
    expect(parseDns(m, 0, m.length)).toMatchObject({
      name: 'xmr.example.net',
      response: true,
      addresses: ['192.0.2.7'],
    });
    expect(parseDns(m, 0, m.length, false)).toMatchObject({ name: 'xmr.example.net', addresses: [] });
  });
});

describe('skipName', () => {
  it('ends names where readName does, and fails where it fails, on random and hostile bytes', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const pieces = [
      () => [rand(64)],
      () => [0xc0 | rand(4), rand(256)],
      () => [0],
      () => [rand(256)],
      () => [63, ...Array.from({ length: 63 }, () => rand(256))],
      () => [5, 0x2e, 0x5c, 0x20, 0x7f, 0x41],
    ];
    for (let k = 0; k < 20_000; k++) {
      const bytes: number[] = [];
      const parts = 1 + rand(12);
      for (let i = 0; i < parts; i++) bytes.push(...(pieces[rand(pieces.length)] as () => number[])());
      const buf = Buffer.from(bytes);
      for (const p of [0, rand(buf.length)]) {
        const r = readName(buf, 0, buf.length, p);
        expect(skipName(buf, 0, buf.length, p), `${buf.toString('hex')} at ${p}`).toBe(r ? r[1] : -1);
      }
    }
  });
});
