import type { z } from 'zod';
import type { IncidentCostSchema, IncidentSchema } from './schemas.js';

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
export type Stage = (typeof STAGES)[number];

export type Incident = z.infer<typeof IncidentSchema>;
/** Money an incident's mining has cost and costs, per currency; absent when none of its findings is priced. */
export type IncidentCost = z.infer<typeof IncidentCostSchema>;
