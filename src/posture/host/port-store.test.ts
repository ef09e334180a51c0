import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropSchema, PG_URL, serviceUp, uniqueSchema } from '../../../test/fleet/services.js';
import { diffPorts, stateOf } from './port-state.js';
import { openPortStateStore } from './port-store.js';

const pgUp = await serviceUp('postgres');
const dir = mkdtempSync(path.join(tmpdir(), 'mw-portstore-'));
const schema = uniqueSchema();
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  if (pgUp) await dropSchema(schema);
});

const listener = (port: number, ip: string, scope: 'loopback' | 'any') => ({
  transport: 'tcp' as const,
  ip,
  port,
  scope,
  pid: 42,
  exe: '/usr/bin/redis-server',
  processName: 'redis-server',
  user: 'redis',
  service: 'redis',
});

const backends = [
  { name: 'sqlite', url: `sqlite:${path.join(dir, 'mw.db')}`, schema: undefined, skip: false },
  { name: 'postgres', url: PG_URL, schema, skip: !pgUp },
];

describe.each(backends)('listener state in the store ($name)', (b) => {
  it.skipIf(b.skip)('survives a restart: the next run diffs against the stored set, per host', async () => {
    const first = await openPortStateStore(b.url, b.schema);
    expect(await first.load('host-a')).toBeUndefined();
    const s1 = stateOf([listener(6379, '127.0.0.1', 'loopback')], '2026-01-01T00:00:00.000Z');
    await first.save('host-a', s1);
    await first.close();

    // A new process (agent or server restarted) opens the store again.
    const second = await openPortStateStore(b.url, b.schema);
    expect(await second.load('host-a')).toEqual(s1);
    expect(await second.load('host-b')).toBeUndefined();
    const s2 = stateOf(
      [listener(6379, '0.0.0.0', 'any'), listener(4444, '0.0.0.0', 'any')],
      '2026-01-01T00:05:00.000Z',
    );
    const changes = diffPorts(await second.load('host-a'), s2).map((c) => [c.change, c.entry.port]);
    expect(changes).toEqual([
      ['opened', 4444],
      ['widened', 6379],
    ]);
    await second.save('host-a', s2);
    expect(await second.load('host-a')).toEqual(s2);
    await second.close();
  });
});

describe('a damaged row is named, not trusted', () => {
  it('rejects stored state that fails the schema', async () => {
    const url = `sqlite:${path.join(dir, 'bad.db')}`;
    const store = await openPortStateStore(url);
    const bad = { ...stateOf([], '2026-01-01T00:00:00.000Z'), listeners: [{ transport: 'sctp', port: 1 }] };
    // save() writes whatever it is given; the schema guards the way back in.
    await store.save('h', bad as unknown as Parameters<typeof store.save>[1]);
    await expect(store.load('h')).rejects.toMatchObject({
      code: 'MW_INPUT_SCHEMA',
      location: { file: 'listener_state[h]', field: 'listeners.0.transport' },
    });
    await store.close();
  });
});
