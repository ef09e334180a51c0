import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureToFlowRecords, connectionSpans } from '../../../test/helpers/pcap-flow-records.js';
import { loadMinerPorts } from '../../intel/miner-ports.js';
import { readCaptureFile } from '../../sources/pcap/index.js';
import { WireAnalyzer } from '../wire/index.js';
import { CloudDetection } from './engine.js';
import { flowMinerPort } from './flow-miner-port.js';
import { DEFAULT_FLOW_SHAPE, flowStratumShape } from './flow-shape.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const pcaps = path.resolve(repoRoot, '../shared/data/pcaps');

function captures(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }))
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (/\.pcap(ng)?$/.test(e.name)) out.push(path.join(d, e.name));
  };
  walk(dir);
  return out.sort();
}

/** The flows the content-based wire analyzer calls mining (stratum, Monero, eth-proxy, getwork), as `client server`. */
async function contentMiningFlows(file: string): Promise<Set<string>> {
  const a = new WireAnalyzer({ host: { id: 'oracle', name: 'oracle' }, intel: null });
  await readCaptureFile(file, a.onPacket);
  return new Set(
    a.miningFlows().map((f) => {
      const [, client = '', server = ''] = /^tcp (\S+) -> (\S+)$/.exec(f.tuple) ?? [];
      return client < server ? `${client} ${server}` : `${server} ${client}`;
    }),
  );
}

/** Connections flagged, as `a:p b:q` (ends sorted), from the shape detector over the capture's flow records. */
async function flagged(file: string, intervalMs: number): Promise<Set<string>> {
  // Hits, not findings: findings merge connections to the same pool address, the oracle counts connections.
  const shape = flowStratumShape();
  const out = new Set<string>();
  for (const e of await captureToFlowRecords(file, intervalMs)) {
    const hit = shape.detect(e);
    for (const h of hit === null ? [] : Array.isArray(hit) ? hit : [hit]) {
      const ev = h.evidence as { local: string; remote: string };
      out.add(ev.local < ev.remote ? `${ev.local} ${ev.remote}` : `${ev.remote} ${ev.local}`);
    }
  }
  return out;
}

const mining = captures(path.join(pcaps, 'mining'));
const benign = captures(path.join(pcaps, 'benign'));

describe('stratum-like flow shape over captures turned into flow records', () => {
  it('has captures to work on', () => {
    expect(mining.length).toBeGreaterThanOrEqual(5);
    expect(benign.length).toBeGreaterThanOrEqual(10);
  });

  // Flow logs aggregate over an interval; a shape needs several intervals, so connections shorter than the minimum
  // lifetime (sub-second getwork polls, a 33 s fragment) are out of its reach by definition and left to the port
  // and pool-address rules, which the last test checks.
  const longEnough = DEFAULT_FLOW_SHAPE.minLifetimeMs - 10_000;

  for (const interval of [10_000, 5_000]) {
    it.each(mining.map((f) => [path.relative(pcaps, f), f]))(
      `flags every long-lived mining flow and nothing else in %s (${interval / 1000} s records)`,
      async (_name, file) => {
        const oracle = await contentMiningFlows(file as string);
        const spans = await connectionSpans(file as string);
        const expected = [...oracle].filter((k) => {
          const s = spans.get(k);
          return s !== undefined && s.last - s.first >= longEnough;
        });
        const got = await flagged(file as string, interval);
        expect([...got].sort()).toEqual(expected.sort());
      },
    );
  }

  it.each(mining.map((f) => [path.relative(pcaps, f), f]))(
    'flags the mining flows of 3 minutes and more and nothing else in %s (AWS 1-minute records)',
    async (_name, file) => {
      const oracle = await contentMiningFlows(file as string);
      const spans = await connectionSpans(file as string);
      const expected = [...oracle].filter((k) => {
        const s = spans.get(k);
        return s !== undefined && s.last - s.first >= 180_000;
      });
      expect([...(await flagged(file as string, 60_000))].sort()).toEqual(expected.sort());
    },
  );

  it('finds long-lived mining flows in the mining captures at all (the comparison is not empty)', async () => {
    let n = 0;
    for (const f of mining) n += (await flagged(f, 10_000)).size;
    expect(n).toBeGreaterThanOrEqual(8);
  });

  it.each(benign.map((f) => [path.relative(pcaps, f), f]))('flags nothing in %s', async (_name, file) => {
    for (const interval of [5_000, 10_000, 60_000])
      expect([...(await flagged(file as string, interval))]).toEqual([]);
  });

  it('leaves the short mining flows to the miner-port rule', async () => {
    const ports = loadMinerPorts();
    for (const file of mining) {
      const oracle = await contentMiningFlows(file);
      const spans = await connectionSpans(file);
      const short = [...oracle].filter((k) => {
        const s = spans.get(k);
        return s !== undefined && s.last - s.first < longEnough;
      });
      const det = new CloudDetection([flowMinerPort(ports)], (id) => ({ id, name: id }));
      for (const e of await captureToFlowRecords(file, 10_000)) det.process(e);
      const remotes = new Set(det.results().map((f) => `${f.entity.ip}:${f.entity.port}`));
      for (const k of short) expect(k.split(' ').some((end) => remotes.has(end))).toBe(true);
    }
  });
});
