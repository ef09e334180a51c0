import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, MinewardenError, WARNING_CODES, WarningSink } from './errors.js';

const doc = readFileSync(resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');

describe('error catalog', () => {
  it('documents every code in docs/errors.md, and nothing more', () => {
    const documented = new Set([...doc.matchAll(/^\|\s*`(MW_[A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]));
    const catalog = new Set([...Object.keys(ERROR_CODES), ...Object.keys(WARNING_CODES)]);
    expect([...catalog].filter((c) => !documented.has(c))).toEqual([]);
    expect([...documented].filter((c) => c && !catalog.has(c))).toEqual([]);
  });

  it('puts the location first in the message and exits 2 for input errors', () => {
    const e = new MinewardenError('MW_INPUT_PARSE', 'unexpected token', {
      file: 'rules/x.yml',
      line: 7,
      field: 'detection',
    });
    expect(e.message).toBe('rules/x.yml:7, field detection: unexpected token');
    expect(e.exitCode).toBe(2);
    expect(new MinewardenError('MW_INTERNAL', 'x').exitCode).toBe(3);
  });
});

describe('WarningSink', () => {
  it('keeps one warning per code and path and counts what exceeds its limit', () => {
    const sink = new WarningSink(2);
    sink.add('MW_W_PROC_MALFORMED', 'bad', '/proc/1/stat');
    sink.add('MW_W_PROC_MALFORMED', 'bad again', '/proc/1/stat');
    sink.add('MW_W_PROC_MALFORMED', 'bad', '/proc/2/stat');
    sink.add('MW_W_PROC_MALFORMED', 'bad', '/proc/3/stat');
    expect(sink.items.map((w) => w.path)).toEqual(['/proc/1/stat', '/proc/2/stat']);
    expect(sink.dropped).toBe(1);
  });
});
