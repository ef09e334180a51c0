import { describe, expect, it } from 'vitest';
import { loadMinerPorts } from '../../intel/miner-ports.js';
import { loadBuiltinPoolIntel, poolIntelFromText } from '../../intel/pools/index.js';
import type { TelemetryEvent } from '../../model/event.js';
import { CloudDetection } from './engine.js';
import { cloudDetectors } from './index.js';

function flow(
  src: string,
  sport: number,
  dst: string,
  dport: number,
  extra: Record<string, string | number> = {},
) {
  return {
    kind: 'flow',
    time: 1_795_082_400_000,
    hostId: 'h',
    source: 'test',
    fields: {
      'source.ip': src,
      'source.port': sport,
      'destination.ip': dst,
      'destination.port': dport,
      'network.transport': 'tcp',
      'flow.packets': 10,
      'flow.bytes': 1000,
      'flow.action': 'accept',
      ...extra,
    },
  } satisfies TelemetryEvent;
}

function run(events: TelemetryEvent[], intel = loadBuiltinPoolIntel()) {
  const d = new CloudDetection(cloudDetectors({ intel, minerPorts: loadMinerPorts() }), (id) => ({
    id,
    name: id,
  }));
  for (const e of events) d.process(e);
  return d.results().map((f) => `${f.ruleId} ${f.severity} ${f.entity.ip ?? ''}:${f.entity.port ?? ''}`);
}

describe('flow rules', () => {
  it('matches pool addresses from installed lists, in either direction of the record', () => {
    const intel = poolIntelFromText('203.0.113.0/24\n', { list: 'test', source: 'test' }).intel;
    expect(run([flow('10.0.0.5', 40000, '203.0.113.9', 443)], intel)).toEqual([
      'cloud.flow.pool-address high 203.0.113.9:443',
    ]);
    expect(run([flow('203.0.113.9', 443, '10.0.0.5', 40000)], intel)).toEqual([
      'cloud.flow.pool-address high 203.0.113.9:443',
    ]);
    expect(run([flow('10.0.0.5', 40000, '203.0.113.9', 443, { 'flow.action': 'reject' })], intel)).toEqual([
      'cloud.flow.pool-address medium 203.0.113.9:443',
    ]);
    expect(run([flow('10.0.0.5', 40000, '198.51.100.9', 443)], intel)).toEqual([]);
  });

  it('takes miner ports only for connections the instance opened to the internet', () => {
    expect(run([flow('10.0.0.5', 40000, '198.51.100.9', 3333)])).toEqual([
      'cloud.flow.miner-port medium 198.51.100.9:3333',
    ]);
    // A client of a service we run on 3333, a private peer, a rejected attempt: none is mining.
    expect(run([flow('198.51.100.9', 40000, '10.0.0.5', 3333)])).toEqual([]);
    expect(run([flow('10.0.0.5', 40000, '10.0.9.9', 3333)])).toEqual([]);
    expect(run([flow('10.0.0.5', 40000, '198.51.100.9', 3333, { 'flow.action': 'reject' })])).toEqual([]);
  });

  it('tells SSH brute force (accepted, many sources) from scanning (rejected) and exposure (Redis)', () => {
    const from = (i: number, port: number, action: string) =>
      flow(`198.51.100.${i}`, 50000 + i, '10.0.0.5', port, { 'flow.action': action });
    const brute = Array.from({ length: 10 }, (_, i) => from(i, 22, 'accept'));
    expect(run(brute)).toEqual(['cloud.flow.admin-brute-force medium 10.0.0.5:22']);
    expect(run(brute.slice(0, 9))).toEqual([]);
    const scan = Array.from({ length: 10 }, (_, i) => from(i, 3389, 'reject'));
    expect(run(scan)).toEqual(['cloud.flow.admin-scan low 10.0.0.5:3389']);
    expect(run([from(1, 6379, 'accept')])).toEqual(['cloud.flow.admin-exposed high 10.0.0.5:6379']);
    expect(run([from(1, 6379, 'reject')])).toEqual([]);
  });
});
