import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPcapWalkAddon } from '../../sources/pcap/native-walk.js';
import { BATCH_TUNING_MAX_BYTES, tuneV8ForBatchAnalysis } from './batch-v8.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-batch-v8-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tuneV8ForBatchAnalysis', () => {
  it('keeps V8 defaults for large inputs and for what is not a regular file', () => {
    const big = join(dir, 'big.pcap');
    writeFileSync(big, '');
    // Sparse: the size counts, no disk is used.
    truncateSync(big, BATCH_TUNING_MAX_BYTES + 1);
    expect(tuneV8ForBatchAnalysis([big])).toBe(false);
    const half = join(dir, 'half.pcap');
    writeFileSync(half, '');
    truncateSync(half, BATCH_TUNING_MAX_BYTES / 2 + 1);
    expect(tuneV8ForBatchAnalysis([half, half])).toBe(false);
    expect(tuneV8ForBatchAnalysis([dir])).toBe(false);
  });

  it('tunes for small regular files when the native walk reads them, and does not count unreadable files', () => {
    const small = join(dir, 'small.pcap');
    writeFileSync(small, Buffer.alloc(100));
    const native = loadPcapWalkAddon() !== null;
    expect(tuneV8ForBatchAnalysis([small, join(dir, 'missing.pcap')])).toBe(native);
  });
});
