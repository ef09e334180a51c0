import { hash } from 'node:crypto';
import type { z } from 'zod';
import type { EntitySchema, FindingSchema } from './schemas.js';

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
export type Category = (typeof CATEGORIES)[number];

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

export type Entity = z.infer<typeof EntitySchema>;

/** The one contract between detection, posture, response, storage, server and UI (DESIGN.md); see schemas.ts. */
export type Finding = z.infer<typeof FindingSchema>;

/** What a detector returns; the engine adds id, host and time. */
export type FindingDraft = Omit<Finding, 'id' | 'host' | 'time' | 'incidentId'> & { time?: string };

/** The text a finding id hashes: host, rule, and the entity's identifying fields, NUL-separated. */
export function findingIdKey(hostId: string, ruleId: string, entity: Entity): string {
  return [
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
}

/**
 * Finding ids are derived, not random: the same rule on the same entity of the same host gives the same id in every
 * scan, so storage can ingest idempotently and repeated scans do not pile up duplicates.
 */
export function findingId(hostId: string, ruleId: string, entity: Entity): string {
  return `f-${hash('sha256', findingIdKey(hostId, ruleId, entity), 'hex').slice(0, 24)}`;
}
