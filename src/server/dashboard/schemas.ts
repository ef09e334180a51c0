import { z } from 'zod';
import { FindingSchema, IncidentSchema, SeveritySchema, StageSchema } from '../../model/schemas.js';
import { HOST_STATUSES } from './classify.js';

/** Response shapes of the dashboard routes: what the UI reads, published in /openapi.json. */
const Status = z.enum(HOST_STATUSES);
const Liveness = z.enum(['alive', 'dark', 'unknown']);
const SevCounts = z.record(SeveritySchema, z.number());
const Money = z.object({
  currency: z.string(),
  burnedToday: z.number(),
  perMonth: z.number(),
  perHour: z.number(),
});
const Series = z.object({
  currency: z.string(),
  points: z.array(z.object({ t: z.number(), cost: z.number(), cpu: z.number() })),
});
const Ranked = z.object({ key: z.string(), hosts: z.number(), findings: z.number() });
const IncidentRow = z.object({
  id: z.string(),
  hostId: z.string(),
  hostName: z.string(),
  severity: SeveritySchema,
  title: z.string(),
  lastSeen: z.string(),
  stages: z.array(z.string()),
});

export const OverviewSchema = z.object({
  generatedAt: z.string(),
  statusCounts: z.record(Status, z.number()),
  incidentsBySeverity: SevCounts,
  money: z.array(Money),
  costSeries: Series.nullable(),
  topPools: z.array(Ranked),
  topAttackers: z.array(Ranked),
  incidents: z.array(IncidentRow),
  hosts: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      status: Status,
      liveness: Liveness,
      lastSeen: z.string(),
      findings: z.number(),
      worst: SeveritySchema.nullable(),
      incidents: z.number(),
      costPerHour: z.number(),
      currency: z.string().nullable(),
    }),
  ),
  totals: z.object({ hosts: z.number(), findings: z.number(), incidents: z.number() }),
});

export const StoredFindingSchema = FindingSchema.extend({ firstSeen: z.string(), lastSeen: z.string() });

export const HostViewSchema = z.object({
  host: z.object({
    id: z.string(),
    name: z.string(),
    info: z.record(z.string(), z.unknown()),
    lastSeen: z.string(),
    lastHeartbeat: z.string().nullable(),
    liveness: Liveness,
  }),
  local: z.boolean(),
  status: Status,
  postureScore: z.number(),
  processes: z.array(
    z.object({
      pid: z.number(),
      startTime: z.string().nullable(),
      exe: z.string().nullable(),
      cpuPercent: z.number().nullable(),
      costPerHour: z.number().nullable(),
      currency: z.string().nullable(),
      rules: z.array(z.string()),
      worst: SeveritySchema,
    }),
  ),
  listeners: z.array(
    z.object({
      transport: z.enum(['tcp', 'udp']),
      ip: z.string(),
      port: z.number(),
      scope: z.string(),
      process: z.string().nullable(),
      exposed: z.boolean(),
      weaknesses: z.array(z.string()),
    }),
  ),
  packages: z.array(
    z.object({
      name: z.string(),
      version: z.string().nullable(),
      ids: z.array(z.string()),
      kev: z.boolean(),
      severity: SeveritySchema,
    }),
  ),
  costSeries: Series.nullable(),
  inventoryTime: z.string().nullable(),
  findings: z.array(StoredFindingSchema),
  incidents: z.array(IncidentSchema),
});

export const IncidentListSchema = z.object({ incidents: z.array(IncidentRow) });

export const IncidentViewSchema = z.object({
  incident: IncidentSchema,
  hostName: z.string(),
  /** The incident is on the host this server runs on: the only host it can respond on today. */
  local: z.boolean(),
  timeline: z.array(
    z.object({
      stage: StageSchema,
      time: z.string().nullable(),
      findings: z.array(
        z.object({
          id: z.string(),
          ruleId: z.string(),
          title: z.string(),
          severity: SeveritySchema,
          time: z.string(),
          entity: z.string(),
          evidence: z.record(z.string(), z.unknown()),
        }),
      ),
    }),
  ),
  entities: z.array(z.string()),
  recommendations: z.array(z.string()),
});

export const SurfaceSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.string(),
      kind: z.enum(['internet', 'port', 'service', 'host', 'gain']),
      label: z.string(),
      hostId: z.string().optional(),
    }),
  ),
  edges: z.array(z.object({ source: z.string(), target: z.string() })),
  paths: z.array(
    z.object({
      score: z.number(),
      hostId: z.string(),
      hostName: z.string(),
      nodes: z.array(z.string()),
      weaknesses: z.array(z.string()),
    }),
  ),
});

const CurrencyTotals = z.object({
  currency: z.string(),
  burned: z.number(),
  perHour: z.number(),
  perMonth: z.number(),
  processes: z.number(),
  running: z.number(),
});

/** GET /api/cost: what mining costs the fleet and each host (docs/api.md "Cost"). */
export const FleetCostSchema = z.object({
  window: z.object({ from: z.string(), to: z.string() }),
  generatedAt: z.string(),
  fleet: z.array(CurrencyTotals),
  hosts: z.array(z.object({ id: z.string(), name: z.string(), money: z.array(CurrencyTotals) })),
});
