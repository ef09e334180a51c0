import { describe, expect, it } from 'vitest';
import { HEAD_AGENT, HEAD_USER, type HttpHead, readHttpHead } from './sniff.js';

const MINING = new Set(['x-mining-extensions', 'x-stratum', 'x-long-polling', 'x-mining-hashrate']);

/** The header reading as it was written first (split into every line, then sliced), kept as the reference. */
function reference(buf: Buffer, off: number, len: number): HttpHead {
  const end = off + Math.min(len, 8192);
  const stop = buf.subarray(off, end).indexOf('\r\n\r\n');
  const head: HttpHead = { bodyStart: stop < 0 ? -1 : off + stop + 4 };
  const lines = buf.toString('latin1', off, stop < 0 ? end : off + stop).split('\r\n');
  for (let i = 1; i < lines.length && i < 64; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'user-agent') head.userAgent = value.slice(0, 256);
    else if (name === 'authorization' && /^basic\s+/i.test(value)) {
      const user = Buffer.from(value.replace(/^basic\s+/i, ''), 'base64')
        .toString('utf8')
        .split(':')[0];
      if (user) head.user = user.slice(0, 256);
    } else if (MINING.has(name)) head.miningHeader = `${line.slice(0, colon)}: ${value.slice(0, 128)}`;
  }
  return head;
}

describe('readHttpHead', () => {
  it('reads what reading every line reads, on random header blocks', () => {
    let seed = 99;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const pieces = [
      'POST / HTTP/1.1',
      'GET /x HTTP/1.0',
      'HTTP/1.1 200 OK',
      'User-Agent: cgminer/4.10',
      ' user-agent :  bfgminer ',
      '\tX-Mining-Extensions: midstate rollntime',
      'x-stratum: stratum+tcp://pool:3333',
      'Authorization: Basic d29ya2VyLjE6eA==',
      'authorization: basic   YWxpY2U=',
      'Host: pool.example',
      ':',
      '',
      '\xa0X-Long-Polling: /lp',
      'Content-Length: 10',
      'x',
      'U',
      '\r',
      '\n',
      'a:b',
    ];
    for (let k = 0; k < 5000; k++) {
      const n = 1 + rand(70);
      const lines: string[] = [];
      for (let i = 0; i < n; i++) lines.push(pieces[rand(pieces.length)] as string);
      const sep = rand(4) === 0 ? '\n' : '\r\n';
      const tail = rand(3) === 0 ? '' : rand(2) ? '\r\n\r\n{"method":"getwork"}' : '\r\n';
      const buf = Buffer.from(`xx${lines.join(sep)}${tail}`, 'latin1');
      const full = reference(buf, 2, buf.length - 2);
      expect(readHttpHead(buf, 2, buf.length - 2), JSON.stringify(buf.toString('latin1'))).toEqual(full);
      // Asked for less, it reads the same of what it is asked for (the body's start and mining headers always).
      for (const want of [0, HEAD_AGENT, HEAD_USER]) {
        const part = readHttpHead(buf, 2, buf.length - 2, want);
        expect(part.bodyStart).toBe(full.bodyStart);
        expect(part.miningHeader).toBe(full.miningHeader);
        if (want & HEAD_AGENT) expect(part.userAgent).toBe(full.userAgent);
        if (want & HEAD_USER) expect(part.user).toBe(full.user);
      }
    }
  });
});
