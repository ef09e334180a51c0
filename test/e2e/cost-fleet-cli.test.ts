import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetCost } from '../../src/cost/fleet-cost.js';
import { type Finding, findingId } from '../../src/model/finding.js';
import { openStore } from '../../src/store/open.js';
import { runCli } from '../helpers/cli.js';

/**
 * `minewarden cost --fleet DB`: the fleet's mining cost read from a server's SQLite store, written through the
 * store's ingest as agents' batches are. Figures worked out by hand.
 */
const dir = mkdtempSync(join(tmpdir(), 'mw-cost-fleet-'));
const db = `sqlite:${join(dir, 'fleet.sqlite')}`;
const H = 3_600_000;
const now = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();

function miner(
  host: { id: string; name: string },
  pid: number,
  currency: string,
  perHour: number,
  t: number,
) {
  const entity = { kind: 'process' as const, pid, startTime: iso(now - 30 * H) };
  const f: Finding = {
    id: findingId(host.id, 'miner.cmdline', entity),
    ruleId: 'miner.cmdline',
    title: 'miner',
    severity: 'critical',
    confidence: 0.9,
    category: 'impact',
    techniques: ['T1496'],
    host,
    time: iso(t),
    entity,
    evidence: { cost: { currency, perHour, perMonth: Number((perHour * 730).toFixed(6)), sinceStart: 1 } },
  };
  return f;
}

beforeAll(async () => {
  const store = await openStore(db);
  const a = { id: 'h-a', name: 'alpha' };
  const b = { id: 'h-b', name: 'beta' };
  const batches: Array<[{ id: string; name: string }, Finding[]]> = [
    // alpha: pid 1 mines from 30 h ago until a minute ago; pid 2 ran from 10 h to 8 h ago.
    [a, [miner(a, 1, 'USD', 0.048, now - 30 * H), miner(a, 2, 'USD', 0.000007, now - 10 * H)]],
    [a, [miner(a, 1, 'USD', 0.048, now - 60_000), miner(a, 2, 'USD', 0.000007, now - 8 * H)]],
    // beta: pid 5 mines in EUR from 2 days ago until 5 minutes ago.
    [b, [miner(b, 5, 'EUR', 0.03, now - 48 * H)]],
    [b, [miner(b, 5, 'EUR', 0.03, now - 5 * 60_000)]],
  ];
  let n = 0;
  for (const [host, findings] of batches)
    await store.fleet.ingest(
      { batchId: `b${n++}`, host, findings, incidents: [], heartbeats: [], inventory: [] },
      null,
      new Date(Date.parse(findings[0]!.time)),
    );
  await store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('minewarden cost --fleet', () => {
  it('prints money in the window, per hour now and per month, per host and in all, per currency', async () => {
    const r = await runCli(['cost', '--fleet', db, '--since', '24h', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout) as FleetCost;
    // USD: pid 1 ran the whole 24 h: 24 x 0.048 = 1.152; pid 2 ran 2 h in it: 2 x 0.000007 = 0.000014; 1.152014.
    // Now only pid 1: 0.048 an hour, 35.04 a month. EUR: 24 x 0.03 = 0.72; 0.03 an hour; 21.9 a month.
    const usd = {
      currency: 'USD',
      burned: 1.152014,
      perHour: 0.048,
      perMonth: 35.04,
      processes: 2,
      running: 1,
    };
    const eur = { currency: 'EUR', burned: 0.72, perHour: 0.03, perMonth: 21.9, processes: 1, running: 1 };
    expect(c.fleet).toEqual([usd, eur]);
    expect(c.hosts).toEqual([
      { id: 'h-a', name: 'alpha', money: [usd] },
      { id: 'h-b', name: 'beta', money: [eur] },
    ]);
    expect(Date.parse(c.window.to) - Date.parse(c.window.from)).toBe(24 * H);

    const t = await runCli(['cost', '--fleet', db, '--since', '24h']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/fleet\s+1\.15 USD\s+0\.0480 USD\s+35\.04 USD\s+1\/2/);
    expect(t.stdout).toMatch(/alpha\s+1\.15 USD\s+0\.0480 USD\s+35\.04 USD\s+1\/2/);
    expect(t.stdout).toMatch(/beta\s+0\.72 EUR\s+0\.0300 EUR\s+21\.90 EUR\s+1\/1/);
  });

  it('gives one ndjson line per fleet currency, then per host and currency', async () => {
    const r = await runCli(['cost', '--fleet', db, '--since', '24h', '--format', 'ndjson']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.type, l.currency, l.name ?? null])).toEqual([
      ['fleet', 'USD', null],
      ['fleet', 'EUR', null],
      ['host', 'USD', 'alpha'],
      ['host', 'EUR', 'beta'],
    ]);
    expect(lines[2]?.burned).toBe(1.152014);
  });

  it('refuses a database that does not exist (exit 2, naming the flag)', async () => {
    const r = await runCli(['cost', '--fleet', join(dir, 'missing.sqlite')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MW_INPUT_NOT_FOUND.*--fleet/);
  });
});
