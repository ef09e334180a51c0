import { z } from 'zod';
import { EVENT_KINDS } from './event-kinds.js';
import { FIELDS, type FieldType } from './fields.js';
import { CATEGORIES, ENTITY_KINDS } from './finding.js';
import { STAGES } from './incident.js';
import { SEVERITIES } from './severity.js';
import { TECHNIQUES } from './techniques.js';

/**
 * The zod schemas of the model, apart from the types and helpers: code that only produces events and findings (a
 * scan, the agent's loop) never loads zod; code that reads them from outside (files, the wire, the store) imports
 * these.
 */

export const SeveritySchema = z.enum(SEVERITIES);

export const TechniqueIdSchema = z
  .string()
  .regex(/^T\d{4}(\.\d{3})?$/, 'an ATT&CK technique id such as T1496 or T1053.003')
  .refine((id) => id in TECHNIQUES, { message: 'not in the technique catalog (src/model/techniques.ts)' });

export const HostSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  os: z.string().optional(),
  kernel: z.string().optional(),
  arch: z.string().optional(),
  cpus: z.number().int().positive().optional(),
  memoryBytes: z.number().int().nonnegative().optional(),
  bootTime: z.string().optional(),
  /** The host we run in is itself a container (docker, kubepods ...). */
  container: z.string().optional(),
});

export const HostRefSchema = z.object({ id: z.string().min(1), name: z.string() });

export const CategorySchema = z.enum(CATEGORIES);

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

export const StageSchema = z.enum(STAGES);

export const AttributionSchema = z.object({
  group: z.string(),
  score: z.number().min(0).max(1),
  indicators: z.array(z.string()),
});

/** What an incident's mining has cost (src/correlate/incident-cost.ts; docs/cost.md "Per incident"). */
export const IncidentCostSchema = z.object({
  firstSeen: z.iso.datetime({ offset: true }),
  lastSeen: z.iso.datetime({ offset: true }),
  startedAt: z.iso.datetime({ offset: true }).optional(),
  processes: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  cpuSeconds: z.number().nonnegative().nullable(),
  money: z.array(
    z.object({
      currency: z.string().min(1).max(16),
      spent: z.number().nonnegative(),
      perHour: z.number().nonnegative(),
      perMonth: z.number().nonnegative(),
      processes: z.number().int().nonnegative(),
      running: z.number().int().nonnegative(),
    }),
  ),
});

export const IncidentSchema = z.object({
  id: z.string().min(1),
  host: HostRefSchema,
  severity: SeveritySchema,
  title: z.string(),
  firstSeen: z.iso.datetime({ offset: true }),
  lastSeen: z.iso.datetime({ offset: true }),
  stages: z.array(StageSchema),
  entryPoint: z.string().nullable(),
  attribution: z.array(AttributionSchema),
  findings: z.array(z.string()),
  cost: IncidentCostSchema.optional(),
});

const VALUE_SCHEMA: Record<FieldType, z.ZodType> = {
  string: z.string(),
  ip: z.string(),
  time: z.union([z.string(), z.number()]),
  integer: z.number().int(),
  number: z.number(),
  boolean: z.boolean(),
  'string[]': z.array(z.string()),
};

const fieldShape: Record<string, z.ZodType> = {};
for (const f of FIELDS) fieldShape[f.name] = VALUE_SCHEMA[f.type].nullable().optional();

/** Schema for events read from files (hunt, replays): unknown fields are an error so typos surface. */
export const TelemetryEventSchema = z.object({
  kind: z.enum(EVENT_KINDS),
  time: z.number().int().nonnegative(),
  hostId: z.string().min(1),
  source: z.string().min(1),
  fields: z.strictObject(fieldShape),
});
