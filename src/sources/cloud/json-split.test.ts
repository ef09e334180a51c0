import { describe, expect, it } from 'vitest';
import { JsonRecordSplitter } from './json-split.js';
import { LineSplitter } from './lines.js';

function split(text: string, cut: number[], maxRecord = 1 << 20) {
  const records: unknown[] = [];
  const envelopes: Record<string, string>[] = [];
  const errors: string[] = [];
  const s = new JsonRecordSplitter(
    (v, line, env) => {
      records.push(v);
      envelopes.push({ ...env, line: String(line) });
    },
    (line, m) => errors.push(`${line}: ${m}`),
    maxRecord,
  );
  const buf = Buffer.from(text);
  let at = 0;
  for (const c of [...cut, buf.length]) {
    s.push(buf.subarray(at, c));
    at = c;
  }
  s.end();
  return { records, envelopes, errors, stats: s.stats };
}

const RECORDS = [
  { a: 1, s: 'quote " and brace } and bracket ] and \\ backslash', nested: { list: [1, [2, { x: '{' }]] } },
  { b: 'ü 漢字', e: [] },
  {},
];

describe('JSON record splitter', () => {
  const shapes: Record<string, string> = {
    'CloudTrail Records': JSON.stringify({ Records: RECORDS }),
    'top-level array, pretty': JSON.stringify(RECORDS, null, 2),
    'CloudWatch subscription payload': JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: '123456789012',
      logStream: 'eni-1-all',
      logEvents: RECORDS,
    }),
    'documents back to back': RECORDS.map((r) => JSON.stringify({ records: [r] })).join('\n'),
  };
  for (const [name, text] of Object.entries(shapes))
    it(`gives the same records wherever the chunks are cut: ${name}`, () => {
      const bytes = Buffer.byteLength(text);
      for (let cut = 0; cut <= bytes; cut++) {
        const r = split(text, [cut]);
        expect(r.errors).toEqual([]);
        expect(r.records).toEqual(RECORDS);
      }
    });

  it('keeps the short members before the records as the envelope', () => {
    const r = split(shapes['CloudWatch subscription payload'] as string, [7, 50]);
    expect(r.envelopes[0]).toMatchObject({ owner: '123456789012', logStream: 'eni-1-all' });
  });

  it('takes a top-level object without a record member as one record', () => {
    expect(split('{"x": {"y": [1, 2]}}\n{"z": 3}', []).records).toEqual([{ x: { y: [1, 2] } }, { z: 3 }]);
  });

  it('skips a record over the size cap without holding it, and goes on', () => {
    const big = JSON.stringify({ Records: [{ a: 'x'.repeat(5000) }, { b: 2 }] });
    for (const cut of [10, 100, 4000])
      expect(split(big, [cut], 1000)).toMatchObject({
        records: [{ b: 2 }],
        stats: { tooLarge: 1, records: 1 },
      });
  });

  it('reports broken records with their line and keeps the others', () => {
    const r = split('[\n{"a": 1},\n{"b": },\n{"c": 3}\n]', []);
    expect(r.records).toEqual([{ a: 1 }, { c: 3 }]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^3: not valid JSON/);
  });

  it('says when the input ends inside a document', () => {
    const r = split('{"Records": [{"a": 1}, {"b"', []);
    expect(r.records).toEqual([{ a: 1 }]);
    expect(r.errors).toEqual(['1: input ends inside a JSON document']);
  });
});

describe('line splitter', () => {
  it('gives the same lines wherever the chunks are cut, CRLF included, and drops over-long lines', () => {
    const text = 'one\r\ntwo\n\nthree-is-long\nfour';
    for (let cut = 0; cut <= text.length; cut++) {
      const lines: string[] = [];
      const s = new LineSplitter((l, n) => lines.push(`${n}:${l}`), 8);
      s.push(Buffer.from(text.slice(0, cut)));
      s.push(Buffer.from(text.slice(cut)));
      s.end();
      expect(lines).toEqual(['1:one', '2:two', '3:', '5:four']);
      expect(s.tooLong).toBe(1);
    }
  });
});
