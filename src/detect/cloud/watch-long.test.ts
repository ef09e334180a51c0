import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMinerPorts } from '../../intel/miner-ports.js';
import { loadBuiltinPoolIntel } from '../../intel/pools/index.js';
import { CloudLogWatcher, ENGINE_FINDINGS } from './watch.js';

const HEADER =
  'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n';
/** A miner-port flow from its own interface: one finding each. */
const flow = (i: number) =>
  `2 123456789010 eni-${i.toString(16).padStart(17, '0')} 10.0.9.9 192.0.2.99 40123 14444 6 20 4000 1795082400 1795082460 ACCEPT OK\n`;

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mw-cloud-long-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('a watch that runs for months', () => {
  it('past more findings than the state remembers, hands over each once and starts a fresh engine', async () => {
    const inbox = join(dir, 'vpc');
    mkdirSync(inbox);
    const w = await CloudLogWatcher.open(
      { vpcFlow: [inbox] },
      { intel: loadBuiltinPoolIntel(), minerPorts: loadMinerPorts(), statePath: join(dir, 'state.json') },
    );
    // More distinct findings than the state keeps ids of (20,000).
    const n = 20_500;
    const lines: string[] = [HEADER];
    for (let i = 0; i < n; i++) lines.push(flow(i));
    writeFileSync(join(inbox, 'a.log'), lines.join(''));
    const handed: string[] = [];
    const look = () => w.poll((b) => void handed.push(...b.findings.map((f) => f.id)));
    await look();
    await look();
    expect(handed).toHaveLength(n);
    expect(n).toBeGreaterThan(ENGINE_FINDINGS);
    // The next delivery: its one finding, none of the earlier ones again.
    writeFileSync(join(inbox, 'b.log'), HEADER + flow(n));
    await look();
    await look();
    expect(handed).toHaveLength(n + 1);
    expect(new Set(handed).size).toBe(n + 1);
    expect(w.engineRestarts).toBe(1);
  });
});
