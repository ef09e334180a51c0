import { describe, expect, it } from 'vitest';
import { findBytes, findMethod } from './jsonrpc.js';
import { hasLineStartJson } from './sniff.js';

describe('findBytes', () => {
  const needle = Buffer.from('"method"');

  it('finds the needle at every position, on either side of the switch to the native search', () => {
    for (let at = 0; at < 300; at++) {
      const buf = Buffer.alloc(at + needle.length + 5, 0x78);
      needle.copy(buf, at);
      expect(findBytes(buf, 0, buf.length, needle), String(at)).toBe(at);
      // Cut so the needle ends exactly at the end of the range, then one byte short of it.
      expect(findBytes(buf, 0, at + needle.length, needle)).toBe(at);
      expect(findBytes(buf, 0, at + needle.length - 1, needle)).toBe(-1);
      if (at > 0) expect(findBytes(buf, 1, buf.length, needle)).toBe(at);
    }
  });

  it('never looks past the end of the range, and handles ranges shorter than the needle', () => {
    const buf = Buffer.from(`${'x'.repeat(200)}"method"`);
    expect(findBytes(buf, 0, 200, needle)).toBe(-1);
    expect(findBytes(buf, 0, 3, needle)).toBe(-1);
    expect(findBytes(buf, 5, 5, needle)).toBe(-1);
  });

  it('findMethod reads a method placed after a long prefix', () => {
    const line = Buffer.from(`{"id":1,"params":["${'a'.repeat(500)}"],"method":"mining.submit"}`);
    expect(findMethod(line, 0, line.length)).toBe('mining.submit');
  });

  it('findMethod gives known and unknown names alike, including near misses of known ones', () => {
    const names = [
      'mining.notify',
      'mining.notifz',
      'Mining.notify',
      'login',
      'logi',
      'job',
      'jobs',
      'x',
      '',
      'é',
    ];
    for (const name of names) {
      const line = Buffer.from(`{"id":1,"method":"${name}","params":[]}`, 'latin1');
      expect(findMethod(line, 0, line.length), name).toBe(name === '' ? '' : name);
    }
  });
});

describe('hasLineStartJson', () => {
  it('sees a newline followed by a brace within the first 4096 bytes only', () => {
    const at = (pos: number) => {
      const buf = Buffer.alloc(5000, 0x41);
      buf[pos] = 0x0a;
      buf[pos + 1] = 0x7b;
      return buf;
    };
    expect(hasLineStartJson(at(0), 0, 5000)).toBe(true);
    expect(hasLineStartJson(at(4094), 0, 5000)).toBe(true);
    expect(hasLineStartJson(at(4095), 0, 5000)).toBe(false);
    expect(hasLineStartJson(at(100), 0, 101)).toBe(false);
    expect(hasLineStartJson(at(100), 101, 1000)).toBe(false);
    expect(hasLineStartJson(Buffer.from('\n'), 0, 1)).toBe(false);
  });
});
