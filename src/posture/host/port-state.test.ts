import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { collectLiveHost } from './live.js';
import { diffPorts, type PortState, stateOf } from './port-state.js';

const entry = (port: number, ip: string, scope: 'loopback' | 'any' | 'private' | 'public') => ({
  transport: 'tcp' as const,
  ip,
  port,
  scope,
  pid: undefined,
  exe: undefined,
  processName: undefined,
  user: undefined,
  service: undefined,
});

describe('listener state diff', () => {
  const before = stateOf(
    [entry(22, '0.0.0.0', 'any'), entry(6379, '127.0.0.1', 'loopback')],
    '2026-01-01T00:00:00.000Z',
  );

  it('no previous state is a baseline; the same listeners give no change', () => {
    expect(diffPorts(undefined, before)).toEqual([]);
    expect(diffPorts(before, { ...before, time: '2026-01-01T00:05:00.000Z' })).toEqual([]);
  });

  it('reports opened, widened and closed ports once each', () => {
    const after: PortState = stateOf(
      [entry(6379, '0.0.0.0', 'any'), entry(6379, '127.0.0.1', 'loopback'), entry(8080, '::', 'any')],
      '2026-01-01T00:05:00.000Z',
    );
    const d = diffPorts(before, after).map((c) => [c.change, c.entry.port, c.previous?.scope]);
    expect(d).toEqual([
      ['widened', 6379, 'loopback'],
      ['opened', 8080, undefined],
      ['closed', 22, undefined],
    ]);
  });
});

describe('open-port monitoring on the live host', () => {
  it('a listener opened on 0.0.0.0 between two runs is exactly one change, with its process and user', async () => {
    const first = await collectLiveHost({ root: '/', probe: false });
    const s1 = stateOf(first.facts.listeners, new Date().toISOString());
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const second = await collectLiveHost({ root: '/', probe: false });
      const changes = diffPorts(s1, stateOf(second.facts.listeners, new Date().toISOString())).filter(
        (c) => c.entry.port === port,
      );
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ change: 'opened', entry: { port, scope: 'any', pid: process.pid } });
      expect(changes[0]!.entry.user).toBeTruthy();
    } finally {
      server.close();
    }
  });
});
