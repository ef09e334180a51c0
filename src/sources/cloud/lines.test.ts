import { describe, expect, it } from 'vitest';
import { ByteLineSplitter } from './lines.js';

describe('ByteLineSplitter', () => {
  it('keeps a line cut by a chunk boundary intact when the chunk buffer is read into again', () => {
    const got: string[] = [];
    const lines = new ByteLineSplitter((_bytes, buf, start, end) =>
      got.push(buf.toString('latin1', start, end)),
    );
    // One buffer filled over and over, as the VPC flow reader does with plain files.
    const buf = Buffer.alloc(8);
    for (const part of ['one\ntw', 'o\nthree', '\nfour\r\n', 'fi', 've']) {
      buf.fill(0x3f);
      const n = buf.write(part, 'latin1');
      lines.push(buf.subarray(0, n));
    }
    lines.end();
    expect(got).toEqual(['one', 'two', 'three', 'four', 'five']);
  });
});
