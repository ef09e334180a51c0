import { describe, expect, it } from 'vitest';
import { batch, finding } from '../../test/fleet/fixtures.js';
import { IngestBatchSchema } from '../store/types.js';
import { QUICK_CHECK_CURRENT, quickCheckBatch } from './ingest-check.js';

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

/** What zod answers for the same body: its value, or undefined when it refuses. */
function zodValue(body: unknown): unknown {
  const r = IngestBatchSchema.safeParse(clone(body));
  return r.success ? r.data : undefined;
}

function full(): Record<string, unknown> {
  const f = {
    ...finding('h1', 1),
    recommendation: 'kill it',
    incidentId: 'inc-1',
    techniques: ['T1496', 'T1053.003'],
  };
  f.entity = {
    kind: 'process',
    pid: 4,
    exe: '/x',
    path: '/x',
    ip: '10.0.0.1',
    port: 3333,
    name: 'x',
    container: 'c',
    startTime: '2025-01-01T00:00:00Z',
  };
  const b = batch('h1', 'b1', [f, finding('h1', 2)]) as unknown as Record<string, unknown>;
  b.host = {
    id: 'h1',
    name: 'h1',
    os: 'linux',
    kernel: '6',
    arch: 'x64',
    cpus: 2,
    memoryBytes: 0,
    bootTime: 'x',
  };
  return b;
}

type Edit = (b: Record<string, unknown>) => void;
const f0 = (b: Record<string, unknown>) =>
  (b.findings as Record<string, unknown>[])[0] as Record<string, unknown>;
const sub = (b: Record<string, unknown>, k: string) => f0(b)[k] as Record<string, unknown>;

/** Edits of a valid body: each must be refused by both, or accepted by both with the same value. */
const EDITS: Record<string, Edit> = {
  'extra batch key': (b) => Object.assign(b, { extra: 1 }),
  'extra finding key': (b) => Object.assign(f0(b), { extra: 1 }),
  'extra host key': (b) => Object.assign(b.host as object, { extra: 1 }),
  'extra entity key': (b) => Object.assign(sub(b, 'entity'), { extra: 1 }),
  'extra finding host key': (b) => Object.assign(sub(b, 'host'), { extra: 1 }),
  'no findings key': (b) => delete b.findings,
  'no incidents key': (b) => delete b.incidents,
  'empty batchId': (b) => Object.assign(b, { batchId: '' }),
  'long batchId': (b) => Object.assign(b, { batchId: 'x'.repeat(201) }),
  'batchId 200': (b) => Object.assign(b, { batchId: 'x'.repeat(200) }),
  'numeric batchId': (b) => Object.assign(b, { batchId: 7 }),
  'host null': (b) => Object.assign(b, { host: null }),
  'host id empty': (b) => Object.assign(b.host as object, { id: '' }),
  'host cpus 0': (b) => Object.assign(b.host as object, { cpus: 0 }),
  'host cpus 1.5': (b) => Object.assign(b.host as object, { cpus: 1.5 }),
  'host memory -1': (b) => Object.assign(b.host as object, { memoryBytes: -1 }),
  'host os null': (b) => Object.assign(b.host as object, { os: null }),
  'findings object': (b) => Object.assign(b, { findings: {} }),
  'finding null': (b) => Object.assign(b, { findings: [null] }),
  'finding id empty': (b) => Object.assign(f0(b), { id: '' }),
  'rule id upper': (b) => Object.assign(f0(b), { ruleId: 'Miner' }),
  'title empty': (b) => Object.assign(f0(b), { title: '' }),
  'severity unknown': (b) => Object.assign(f0(b), { severity: 'huge' }),
  'confidence 1.5': (b) => Object.assign(f0(b), { confidence: 1.5 }),
  'confidence "1"': (b) => Object.assign(f0(b), { confidence: '1' }),
  'category unknown': (b) => Object.assign(f0(b), { category: 'nope' }),
  'technique unknown': (b) => Object.assign(f0(b), { techniques: ['T9999'] }),
  'technique malformed': (b) => Object.assign(f0(b), { techniques: ['t1496'] }),
  'technique constructor': (b) => Object.assign(f0(b), { techniques: ['constructor'] }),
  'techniques string': (b) => Object.assign(f0(b), { techniques: 'T1496' }),
  'time without zone': (b) => Object.assign(f0(b), { time: '2025-01-01T00:00:00' }),
  'time 30 February': (b) => Object.assign(f0(b), { time: '2025-02-30T00:00:00Z' }),
  'time with offset': (b) => Object.assign(f0(b), { time: '2025-01-01T00:00:00+02:00' }),
  'time number': (b) => Object.assign(f0(b), { time: 0 }),
  'entity kind unknown': (b) => Object.assign(sub(b, 'entity'), { kind: 'ghost' }),
  'entity pid -1': (b) => Object.assign(sub(b, 'entity'), { pid: -1 }),
  'entity port 70000': (b) => Object.assign(sub(b, 'entity'), { port: 70_000 }),
  'entity exe number': (b) => Object.assign(sub(b, 'entity'), { exe: 1 }),
  'evidence array': (b) => Object.assign(f0(b), { evidence: [] }),
  'evidence null': (b) => Object.assign(f0(b), { evidence: null }),
  'evidence nested': (b) => Object.assign(f0(b), { evidence: { a: { b: [1, null] } } }),
  'recommendation null': (b) => Object.assign(f0(b), { recommendation: null }),
  'finding host name missing': (b) => delete sub(b, 'host').name,
  'too many findings': (b) =>
    Object.assign(b, { findings: Array.from({ length: 5001 }, () => clone(f0(b))) }),
  heartbeat: (b) =>
    Object.assign(b, { heartbeats: [{ id: 'hb', time: '2025-01-01T00:00:00Z', intervalMs: 1000 }] }),
};

describe('quick ingest check', () => {
  it('knows every field of the current schemas (otherwise it stands aside and zod checks every body)', () => {
    expect(QUICK_CHECK_CURRENT).toBe(true);
  });

  it('passes plain finding batches with the value zod gives', () => {
    for (const body of [full(), batch('h2', 'b2', []), batch('h3', 'b3', [finding('h3', 5)])]) {
      const quick = quickCheckBatch(clone(body));
      expect(quick).toBeDefined();
      expect(quick).toEqual(zodValue(body));
    }
  });

  it.each(Object.entries(EDITS))('%s: passes only what zod passes, with the same value', (_, edit) => {
    const body = full();
    edit(body);
    const quick = quickCheckBatch(clone(body));
    const z = zodValue(body);
    if (quick !== undefined) expect(quick).toEqual(z);
    if (z === undefined) expect(quick).toBeUndefined();
  });

  it('leaves batches with heartbeats, incidents or inventory to zod', () => {
    const b = full();
    EDITS.heartbeat?.(b);
    expect(quickCheckBatch(b)).toBeUndefined();
    expect(zodValue(b)).toBeDefined();
  });
});
