import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJsonLogFile } from './json-file.js';
import { readVpcFlowFile } from './vpc-flow-file.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-cloud-close-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Descriptors of this process open on files under `dir` (a reader that stopped early would leave one). */
const openHere = (): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir);
    } catch {
      return false;
    }
  }).length;

describe('cloud log readers let go of the file when they stop early', () => {
  it('closes a file that is not JSON, which the JSON reader refuses after its first byte', async () => {
    const file = join(dir, 'not-json.log');
    writeFileSync(file, 'plain text, not a JSON log\n'.repeat(100));
    const stats = await readJsonLogFile(file, 'aws-cloudtrail', () => {});
    expect(stats.skipped.malformed).toBe(1);
    expect(openHere()).toBe(0);
  });

  it('closes a flow log whose header names no addresses', async () => {
    const file = join(dir, 'noaddr.log');
    writeFileSync(file, 'version account-id interface-id packets bytes\n2 1 eni-1 3 4\n');
    await expect(readVpcFlowFile(file, () => {})).rejects.toThrow(/no srcaddr field/);
    expect(openHere()).toBe(0);
  });
});
