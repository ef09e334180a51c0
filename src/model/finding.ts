import { hash } from 'node:crypto';
import { z } from 'zod';
import { HostRefSchema } from './host.js';
import { SeveritySchema } from './severity.js';
import { TechniqueIdSchema } from './techniques.js';

export const CATEGORIES = [
  'execution',
  'network',
  'persistence',
  'defense-evasion',
  'credential-access',
  'discovery',
  'lateral-movement',
  'impact',
  'initial-access',
  'posture',
  'vulnerability',
] as const;
export const CategorySchema = z.enum(CATEGORIES);
export type Category = z.infer<typeof CategorySchema>;

export const ENTITY_KINDS = [
  'process',
  'file',
  'connection',
  'account',
  'service',
  'config',
  'package',
  'cloud-resource',
  'source-ip',
] as const;

export const EntitySchema = z.object({
  kind: z.enum(ENTITY_KINDS),
  pid: z.number().int().nonnegative().optional(),
  exe: z.string().optional(),
  path: z.string().optional(),
  ip: z.string().optional(),
  port: z.number().int().min(0).max(65535).optional(),
  name: z.string().optional(),
  container: z.string().optional(),
  /** Process start time (ISO); with pid it names one process across pid reuse. */
  startTime: z.string().optional(),
});
export type Entity = z.infer<typeof EntitySchema>;

/** The one contract between detection, posture, response, storage, server and UI (DESIGN.md). */
export const FindingSchema = z.object({
  id: z.string().min(1),
  ruleId: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lowercase dotted rule id'),
  title: z.string().min(1),
  severity: SeveritySchema,
  confidence: z.number().min(0).max(1),
  category: CategorySchema,
  techniques: z.array(TechniqueIdSchema),
  host: HostRefSchema,
  time: z.iso.datetime({ offset: true }),
  entity: EntitySchema,
  evidence: z.record(z.string(), z.unknown()),
  recommendation: z.string().optional(),
  incidentId: z.string().optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

/** What a detector returns; the engine adds id, host and time. */
export type FindingDraft = Omit<Finding, 'id' | 'host' | 'time' | 'incidentId'> & { time?: string };

/**
 * Finding ids are derived, not random: the same rule on the same entity of the same host gives the same id in every
 * scan, so storage can ingest idempotently and repeated scans do not pile up duplicates.
 */
export function findingId(hostId: string, ruleId: string, entity: Entity): string {
  const key = [
    hostId,
    ruleId,
    entity.kind,
    entity.pid ?? '',
    entity.startTime ?? '',
    entity.exe ?? '',
    entity.path ?? '',
    entity.ip ?? '',
    entity.port ?? '',
    entity.name ?? '',
    entity.container ?? '',
  ].join('\u0000');
  return `f-${hash('sha256', key, 'hex').slice(0, 24)}`;
}
