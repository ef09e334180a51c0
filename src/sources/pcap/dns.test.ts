import { describe, expect, it } from 'vitest';
import { parseDns } from './dns.js';

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
