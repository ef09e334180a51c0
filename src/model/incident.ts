import { z } from 'zod';
import { HostRefSchema } from './host.js';
import { SeveritySchema } from './severity.js';

/** Kill-chain stages, in the order an intrusion walks them. */
export const STAGES = [
  'initial-access',
  'execution',
  'persistence',
  'defense-evasion',
  'credential-access',
  'discovery',
  'lateral-movement',
  'command-and-control',
  'impact',
] as const;
export const StageSchema = z.enum(STAGES);
export type Stage = z.infer<typeof StageSchema>;

export const AttributionSchema = z.object({
  group: z.string(),
  score: z.number().min(0).max(1),
  indicators: z.array(z.string()),
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
});
export type Incident = z.infer<typeof IncidentSchema>;
