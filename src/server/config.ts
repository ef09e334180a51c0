import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { CloudFeedShape } from '../detect/cloud/watch-config.js';
import { MinewardenError } from '../model/errors.js';
import { SinkConfigSchema } from '../sinks/config.js';

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The server's one YAML file (`--config`): sinks, fleet correlation, bus names. Flags cover db, bus URL and port. */
export const ServerConfigSchema = z.strictObject({
  sinks: z.array(SinkConfigSchema).max(32).default([]),
  /** A finding an agent resends is forwarded to sinks again only after this long. */
  realertMinutes: z.number().int().min(0).max(10_080).default(60),
  fleet: z
    .strictObject({
      /** Hosts that must share a pool or miner hash before it is one fleet incident. */
      minHosts: z.number().int().min(2).max(10_000).default(2),
      /** Hosts an address must have brute-forced before it joins the fleet ban list. */
      banMinHosts: z.number().int().min(2).max(10_000).default(2),
      /** How long an address stays on the ban list after its last brute-force finding. */
      banTtlHours: z.number().int().positive().max(8760).default(24),
      /** How often correlation and the dark-agent check run (also shortly after ingest). */
      everyMs: z.number().int().min(200).max(3_600_000).default(30_000),
    })
    .prefault({}),
  bus: z
    .strictObject({
      /** JetStream stream and durable consumer; distinct names keep parallel deployments (and test runs) apart. */
      stream: z.string().regex(NAME).default('MINEWARDEN_INGEST'),
      consumer: z.string().regex(NAME).default('minewarden-server'),
      subjectPrefix: z
        .string()
        .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/)
        .default('minewarden.ingest'),
      /** How long a batch held by a replica that died waits before another replica gets it. */
      ackWaitMs: z.number().int().min(500).max(600_000).default(10_000),
    })
    .prefault({}),
  /**
   * Cloud logs: directories a log shipper fills, watched by the server itself (`--cloud-*`, as cloudlogs --watch),
   * and the agents allowed to ship cloud-log findings about hosts other than their own.
   */
  cloud: z
    .strictObject({
      ...CloudFeedShape,
      /** Watch state (files read, findings reported); default under MINEWARDEN_STATE_DIR or /var/lib/minewarden. */
      state: z.string().min(1).optional(),
      /**
       * Host ids of agents that watch cloud logs (`agent --cloud-*`): their `cloud.*` findings may name other hosts
       * (the instances the logs are about). Any other agent reports its own host only.
       */
      collectors: z.array(z.string().min(1)).max(1000).default([]),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** When set, scrapes must send `Authorization: Bearer <token>`. */
      token: z.string().min(16).max(512).optional(),
    })
    .prefault({}),
});
export type ServerConfig = z.infer<typeof ServerConfigSchema>;
export type ServerConfigInput = z.input<typeof ServerConfigSchema>;

/** Validates a config object (from a file or a test); errors name the file, line and field. */
export function parseServerConfig(
  raw: unknown,
  file?: string,
  lineOf?: (path: PropertyKey[]) => number,
): ServerConfig {
  const r = ServerConfigSchema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue?.path ?? [];
  const line = lineOf?.(path);
  throw new MinewardenError('MW_CONFIG_INVALID', issue?.message ?? 'invalid', {
    ...(file ? { file } : {}),
    ...(line ? { line } : {}),
    ...(path.length > 0 ? { field: path.join('.') } : {}),
  });
}

export function loadServerConfig(file: string | undefined): ServerConfig {
  if (file === undefined) return parseServerConfig({});
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'MW_INPUT_NOT_FOUND' : 'MW_INPUT_UNREADABLE';
    throw new MinewardenError(code, (err as Error).message, { file });
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const err = doc.errors[0];
  if (err)
    throw new MinewardenError('MW_INPUT_PARSE', err.message, { file, line: err.linePos?.[0]?.line ?? 0 });
  const raw: unknown = doc.toJS();
  if (raw !== null && raw !== undefined && (typeof raw !== 'object' || Array.isArray(raw)))
    throw new MinewardenError('MW_CONFIG_INVALID', 'the server config must be a mapping', { file });
  const lineOf = (path: PropertyKey[]): number => {
    // The deepest node that exists on the path: a missing key is reported at its parent.
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as (string | number)[], true);
      if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    }
    return 0;
  };
  return parseServerConfig(raw, file, lineOf);
}
