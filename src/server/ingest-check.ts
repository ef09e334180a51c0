import type { z } from 'zod';
import { EntitySchema, FindingSchema, HostRefSchema, HostSchema, SeveritySchema } from '../model/schemas.js';
import { TECHNIQUES } from '../model/techniques.js';
import { type IngestBatch, IngestBatchSchema } from '../store/types.js';

/**
 * A hand-written check of the common ingest body (findings only), run before zod: zod's parse of a 5-finding batch
 * cost ~25-30 µs of CPU here and allocates a copy of every object, the server's largest per-request item after
 * HTTP and the store. It accepts only bodies zod accepts, and answers what zod would: the same values, nothing
 * stripped because nothing unknown is allowed. Anything else (a heartbeat, an incident, an unknown key, a value it
 * is unsure of) returns undefined and zod decides, so error answers are zod's own.
 */

const keysOf = (s: { shape: Record<string, unknown> }): ReadonlySet<string> => new Set(Object.keys(s.shape));
const sameKeys = (a: ReadonlySet<string>, b: readonly string[]): boolean =>
  a.size === b.length && b.every((k) => a.has(k));

const BATCH_KEYS = ['batchId', 'host', 'findings', 'incidents', 'heartbeats', 'inventory'];
const HOST_KEYS = ['id', 'name', 'os', 'kernel', 'arch', 'cpus', 'memoryBytes', 'bootTime', 'container'];
const HOST_REF_KEYS = ['id', 'name'];
const FINDING_KEYS = [
  'id',
  'ruleId',
  'title',
  'severity',
  'confidence',
  'category',
  'techniques',
  'host',
  'time',
  'entity',
  'evidence',
  'recommendation',
  'incidentId',
];
const ENTITY_KEYS = ['kind', 'pid', 'exe', 'path', 'ip', 'port', 'name', 'container', 'startTime'];

const host = keysOf(HostSchema);
const hostRef = keysOf(HostRefSchema);
const finding = keysOf(FindingSchema);
const entity = keysOf(EntitySchema);

/**
 * When a schema gains or loses a field this check no longer knows it, so it stands aside and zod checks every
 * body (a test fails meanwhile, see ingest-check.test.ts).
 */
export const QUICK_CHECK_CURRENT =
  sameKeys(keysOf(IngestBatchSchema), BATCH_KEYS) &&
  sameKeys(host, HOST_KEYS) &&
  sameKeys(hostRef, HOST_REF_KEYS) &&
  sameKeys(finding, FINDING_KEYS) &&
  sameKeys(entity, ENTITY_KEYS);

const SEVERITIES: ReadonlySet<unknown> = new Set(SeveritySchema.options);
const CATEGORIES: ReadonlySet<unknown> = new Set(FindingSchema.shape.category.options);
const ENTITY_KINDS: ReadonlySet<unknown> = new Set(EntitySchema.shape.kind.options);
const RULE_ID = /^[a-z0-9][a-z0-9_.-]*$/;
const TECHNIQUE_ID = /^T\d{4}(\.\d{3})?$/;
/** zod's own ISO date-time pattern for this field; without one (another zod), never pass a time here. */
const timePattern = (FindingSchema.shape.time as unknown as { _zod?: { pattern?: unknown } })._zod?.pattern;
const DATETIME = timePattern instanceof RegExp ? timePattern : undefined;

type Obj = Record<string, unknown>;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

function onlyKeys(o: Obj, allowed: ReadonlySet<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

const optStr = (v: unknown): boolean => v === undefined || typeof v === 'string';
const str1 = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const optInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean =>
  v === undefined || (Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max);

function hostOk(h: unknown): boolean {
  return (
    isObj(h) &&
    onlyKeys(h, host) &&
    str1(h.id) &&
    typeof h.name === 'string' &&
    optStr(h.os) &&
    optStr(h.kernel) &&
    optStr(h.arch) &&
    optInt(h.cpus, 1) &&
    optInt(h.memoryBytes, 0) &&
    optStr(h.bootTime) &&
    optStr(h.container)
  );
}

function entityOk(e: unknown): boolean {
  return (
    isObj(e) &&
    onlyKeys(e, entity) &&
    ENTITY_KINDS.has(e.kind) &&
    optInt(e.pid, 0) &&
    optStr(e.exe) &&
    optStr(e.path) &&
    optStr(e.ip) &&
    optInt(e.port, 0, 65535) &&
    optStr(e.name) &&
    optStr(e.container) &&
    optStr(e.startTime)
  );
}

function techniquesOk(t: unknown): boolean {
  if (!Array.isArray(t)) return false;
  for (const id of t)
    if (typeof id !== 'string' || !TECHNIQUE_ID.test(id) || !Object.hasOwn(TECHNIQUES, id)) return false;
  return true;
}

function findingOk(f: unknown): boolean {
  if (!isObj(f) || !onlyKeys(f, finding)) return false;
  const ev = f.evidence;
  const c = f.confidence;
  return (
    str1(f.id) &&
    typeof f.ruleId === 'string' &&
    RULE_ID.test(f.ruleId) &&
    str1(f.title) &&
    SEVERITIES.has(f.severity) &&
    typeof c === 'number' &&
    c >= 0 &&
    c <= 1 &&
    CATEGORIES.has(f.category) &&
    techniquesOk(f.techniques) &&
    isObj(f.host) &&
    onlyKeys(f.host, hostRef) &&
    str1(f.host.id) &&
    typeof f.host.name === 'string' &&
    typeof f.time === 'string' &&
    DATETIME?.test(f.time) === true &&
    entityOk(f.entity) &&
    // A record's copy in zod keeps own keys of a plain object; `__proto__` would be set differently, so zod decides.
    isObj(ev) &&
    Object.getPrototypeOf(ev) === Object.prototype &&
    !Object.hasOwn(ev, '__proto__') &&
    optStr(f.recommendation) &&
    optStr(f.incidentId)
  );
}

const BATCH_KEY_SET: ReadonlySet<string> = new Set(BATCH_KEYS);
/** zod's limit on the findings array, read from the schema. */
const MAX_FINDINGS = maxItems(IngestBatchSchema.shape.findings);

function maxItems(s: z.ZodType): number {
  // `.max(n).default([])`: the array inside the default carries the check; unreadable means never pass one here.
  const inner = (s as unknown as { _zod: { def: { innerType?: z.ZodType } } })._zod.def.innerType ?? s;
  const checks = (inner as unknown as { _zod: { def: { checks?: { _zod: { def: Obj } }[] } } })._zod.def
    .checks;
  const max = checks?.map((c) => c._zod.def).find((d) => d.check === 'max_length')?.maximum;
  return typeof max === 'number' ? max : -1;
}

const emptyOrAbsent = (v: unknown): boolean => v === undefined || (Array.isArray(v) && v.length === 0);

/**
 * The batch itself (with zod's defaults filled in) when it is plainly valid and holds findings only; otherwise
 * undefined, and zod must parse it.
 */
export function quickCheckBatch(body: unknown): IngestBatch | undefined {
  if (!QUICK_CHECK_CURRENT || !isObj(body)) return undefined;
  const b = body;
  if (!onlyKeys(b, BATCH_KEY_SET)) return undefined;
  if (typeof b.batchId !== 'string' || b.batchId.length < 1 || b.batchId.length > 200) return undefined;
  if (!hostOk(b.host)) return undefined;
  if (!emptyOrAbsent(b.incidents) || !emptyOrAbsent(b.heartbeats) || !emptyOrAbsent(b.inventory))
    return undefined;
  const fs = b.findings;
  if (fs !== undefined) {
    if (!Array.isArray(fs) || fs.length > MAX_FINDINGS) return undefined;
    for (const f of fs) if (!findingOk(f)) return undefined;
  }
  b.findings ??= [];
  b.incidents ??= [];
  b.heartbeats ??= [];
  b.inventory ??= [];
  return b as IngestBatch;
}
