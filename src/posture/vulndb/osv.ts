import { z } from 'zod';

/** The part of an OSV record matching needs; unknown fields are ignored, malformed records are skipped. */
const EventSchema = z
  .object({
    introduced: z.string().optional(),
    fixed: z.string().optional(),
    last_affected: z.string().optional(),
    limit: z.string().optional(),
  })
  .refine(
    (e) => [e.introduced, e.fixed, e.last_affected, e.limit].filter((x) => x !== undefined).length === 1,
    {
      message: 'an event has exactly one of introduced, fixed, last_affected, limit',
    },
  );

const AffectedSchema = z.object({
  package: z
    .object({ ecosystem: z.string().min(1), name: z.string().min(1), purl: z.string().optional() })
    .optional(),
  ranges: z
    .array(z.object({ type: z.string(), events: z.array(EventSchema), repo: z.string().optional() }))
    .optional(),
  versions: z.array(z.string()).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});

export const OsvRecordSchema = z.object({
  id: z.string().min(1).max(200),
  modified: z.string().optional(),
  published: z.string().optional(),
  withdrawn: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  upstream: z.array(z.string()).optional(),
  summary: z.string().optional(),
  details: z.string().optional(),
  severity: z.array(z.object({ type: z.string(), score: z.string() })).optional(),
  affected: z.array(AffectedSchema).optional(),
  references: z.array(z.object({ type: z.string().optional(), url: z.string() })).optional(),
  database_specific: z.record(z.string(), z.unknown()).optional(),
});
export type OsvRecord = z.infer<typeof OsvRecordSchema>;

/** What the store keeps per advisory: small, so 50,000 of them load in well under a second. */
export interface Advisory {
  id: string;
  aliases: string[];
  summary: string;
  /** From database_specific.severity when the source gives one (GHSA, our built-in set). */
  severity?: string;
  affected: {
    ecosystem: string;
    name: string;
    ranges: { type: string; events: z.infer<typeof EventSchema>[] }[];
    versions?: string[];
  }[];
  references: string[];
  /** Threat groups known to use this vulnerability (built-in set), with sources. */
  miningGroups?: string[];
  sources?: string[];
}

export function compactAdvisory(r: OsvRecord): Advisory | undefined {
  if (r.withdrawn) return undefined;
  const affected = (r.affected ?? []).flatMap((a) =>
    a.package
      ? [
          {
            ecosystem: a.package.ecosystem,
            name: a.package.name,
            ranges: (a.ranges ?? [])
              .filter((x) => x.type !== 'GIT')
              .map((x) => ({ type: x.type, events: x.events })),
            ...(a.versions?.length ? { versions: a.versions } : {}),
          },
        ]
      : [],
  );
  if (affected.length === 0) return undefined;
  const sev = r.database_specific?.severity;
  return {
    id: r.id,
    aliases: [...new Set([...(r.aliases ?? []), ...(r.upstream ?? [])])],
    summary: (r.summary ?? r.details ?? '').slice(0, 300),
    ...(typeof sev === 'string' ? { severity: sev.toLowerCase() } : {}),
    affected,
    references: (r.references ?? []).map((x) => x.url).slice(0, 10),
  };
}
