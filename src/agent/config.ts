import { readFileSync } from 'node:fs';
import { parse, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { CloudFeedSchema } from '../detect/cloud/watch-config.js';
import { MinewardenError } from '../model/errors.js';

/** Everything the agent reads from its one YAML file; command-line flags override single keys. */
export const AgentConfigSchema = z
  .object({
    /** Fleet server base URL (http[s]://host:port). One of server or bus is required. */
    server: z.url({ protocol: /^https?$/ }).optional(),
    /** NATS URL; batches are published to JetStream instead of POSTed. */
    bus: z
      .string()
      .regex(/^nats:\/\/[^\s]+$/, 'nats://host:port')
      .optional(),
    /** JetStream stream and subject prefix; must match the servers' `bus` config. */
    busNames: z
      .object({
        stream: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/)
          .default('MINEWARDEN_INGEST'),
        subjectPrefix: z
          .string()
          .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/)
          .default('minewarden.ingest'),
      })
      .strict()
      .prefault({}),
    /** Prometheus /metrics for this agent, e.g. 127.0.0.1:9464; off when absent. */
    metrics: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'host:port')
      .optional(),
    /** Fleet ban list: poll it from the server and hand it to the response policy (applied only where it allows). */
    fleetBans: z
      .object({
        enabled: z.boolean().default(true),
        /** Response policy file (src/respond); without one, bans are only recorded, never applied. */
        policy: z.string().min(1).optional(),
        pollMs: z.number().int().min(1000).max(86_400_000).default(60_000),
      })
      .strict()
      .prefault({}),
    /**
     * The response policy applied to the agent's own findings (src/agent/auto-respond.ts): `simulate` plans and
     * journals what it would do and never acts; `enforce` acts for policy rules in enforce mode; `off` decides nothing.
     */
    autoRespond: z
      .object({
        mode: z.enum(['off', 'simulate', 'enforce']).default('simulate'),
        /** Response policy file, used while the server pushes none; without either, the built-in policy. */
        policy: z.string().min(1).optional(),
        /** Findings waiting for a decision; more are dropped (and counted) until the queue drains. */
        maxPending: z.number().int().min(1).max(100_000).default(2000),
        /** Decided findings remembered in stateDir/auto-respond.json so no finding is decided twice. */
        memorySize: z.number().int().min(100).max(1_000_000).default(10_000),
      })
      .strict()
      .prefault({}),
    /** Enrollment token, used once; the credential it buys is kept in stateDir. */
    token: z.string().min(1).max(200).optional(),
    stateDir: z.string().min(1).default('/var/lib/minewarden'),
    scanIntervalMs: z.number().int().min(1000).max(86_400_000).default(60_000),
    heartbeatIntervalMs: z.number().int().min(500).max(3_600_000).default(30_000),
    /**
     * How often the agent unmaps the pages of its binary and libraries it no longer touches (src/util/mem-trim.ts),
     * also done after each scan; 0: never. Pages in use come back with a minor fault, so this only bounds RSS.
     */
    memoryTrimMs: z.number().int().min(0).max(86_400_000).default(30_000),
    scan: z
      .object({
        root: z.string().min(1).default('/'),
        sampleMs: z.number().int().min(0).max(10_000).default(1000),
        hash: z.boolean().default(true),
        hashMaxMb: z.number().int().positive().max(4096).default(64),
        /**
         * The whole file sweep runs at least this often; the scans between check the persistence locations with
         * `stat` and sweep at once when one changed (src/scan/file-memo.ts). 0: every scan sweeps.
         */
        sweepIntervalMs: z.number().int().min(0).max(86_400_000).default(300_000),
        /** Known-miner hash packs (the format of src/intel/data/miner-hashes.json), after the built-in list. */
        hashPacks: z.array(z.string().min(1)).max(64).default([]),
      })
      .strict()
      .default({
        root: '/',
        sampleMs: 1000,
        hash: true,
        hashMaxMb: 64,
        sweepIntervalMs: 300_000,
        hashPacks: [],
      }),
    queue: z
      .object({
        /** Batches kept on disk while the server cannot be reached; past this the oldest are dropped and counted. */
        maxBatches: z.number().int().positive().max(1_000_000).default(10_000),
        maxBytes: z
          .number()
          .int()
          .positive()
          .default(256 * 1024 * 1024),
      })
      .strict()
      .default({ maxBatches: 10_000, maxBytes: 256 * 1024 * 1024 }),
    backoff: z
      .object({
        initialMs: z.number().int().positive().default(500),
        maxMs: z.number().int().positive().default(60_000),
      })
      .strict()
      .default({ initialMs: 500, maxMs: 60_000 }),
    sources: z
      .object({
        /** Real-time exec events between scans: netlink when it can run here, else /proc polling ("auto"). */
        exec: z.enum(['off', 'auto', 'poll']).default('auto'),
        /** Auth logs followed live through the SSH detectors; findings ship within about flushMs. */
        authLog: z
          .object({
            enabled: z.boolean().default(true),
            /** Files under the scan root, followed across rotation (a missing file is waited for). */
            paths: z
              .array(z.string().startsWith('/'))
              .max(32)
              .default(['/var/log/auth.log', '/var/log/secure']),
            /** journalctl -f: "auto" only when none of the files exists (else sshd lines would count twice). */
            journal: z.enum(['auto', 'on', 'off']).default('auto'),
            pollMs: z.number().int().min(50).max(60_000).default(1000),
          })
          .strict()
          .prefault({}),
        /** DNS routing files (resolv.conf, hosts, nsswitch, resolved and dnsmasq config) watched by content. */
        dnsWatch: z
          .object({
            enabled: z.boolean().default(true),
            pollMs: z.number().int().min(50).max(3_600_000).default(30_000),
          })
          .strict()
          .prefault({}),
        /** How long live findings wait to be batched together before they are queued. */
        flushMs: z.number().int().min(10).max(60_000).default(1000),
      })
      .strict()
      .prefault({}),
    /**
     * Host posture on a schedule (what `posture --host` checks: sshd, exposed services, open-port changes, package
     * vulnerabilities); its findings ship like scan findings. The listener set is kept in stateDir between runs.
     */
    posture: z
      .object({
        /** Time between passes; 0 turns the loop off. */
        intervalMs: z
          .number()
          .int()
          .min(0)
          .max(7 * 86_400_000)
          .refine((v) => v === 0 || v >= 1000, '0 (off) or at least 1000')
          .default(3_600_000),
        /** The first pass, this long after start: the first scan has the CPU to itself. */
        firstDelayMs: z.number().int().min(0).max(3_600_000).default(30_000),
        /** Probe the host's own listeners on loopback (Redis without auth, Docker API); live root only. */
        probe: z.boolean().default(true),
        /** Package inventory (dpkg, rpm, apk, tarball installs) matched against the advisory database. */
        vulns: z.boolean().default(true),
        /** Imported advisory database (`vulndb import`); default ~/.local/share/minewarden/vulndb when present. */
        vulndb: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    /**
     * Cloud logs (VPC flow, resolver, CloudTrail, GCP, Azure NSG) from directories a log shipper fills, watched as
     * `cloudlogs --watch` does (state in stateDir); findings ship like a scan's. Off while no directory is given.
     */
    cloud: CloudFeedSchema.prefault({}),
    /**
     * Responses asked from the dashboard for this host (plan, apply, undo), polled from the server (ETag, 304) and
     * run like `minewarden respond` with the local journal in stateDir. Policy: this file, else the server's pushed
     * one, else the built-in one. `root`: host root for persistence files (default scan.root).
     */
    remoteResponse: z
      .object({
        enabled: z.boolean().default(true),
        pollMs: z.number().int().min(100).max(3_600_000).default(5000),
        policy: z.string().min(1).optional(),
        root: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    /** Policy, custom rules and pool intel pushed by the server, polled cheaply (ETag, 304). */
    contentSync: z
      .object({
        enabled: z.boolean().default(true),
        pollMs: z.number().int().min(500).max(86_400_000).default(60_000),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((c) => c.server !== undefined || c.bus !== undefined, {
    message: 'set server or bus',
    path: ['server'],
  })
  .refine((c) => c.scan.hash || c.scan.hashPacks.length === 0, {
    message: 'hash packs need executable hashing (scan.hash: true)',
    path: ['scan', 'hashPacks'],
  });
export type AgentConfig = z.infer<typeof AgentConfigSchema>;

function fail(code: 'MW_CONFIG_INVALID' | 'MW_USAGE', err: z.ZodError, file?: string): never {
  const issue = err.issues[0];
  const field = issue?.path.join('.') || undefined;
  throw new MinewardenError(code, issue?.message ?? 'invalid', {
    ...(file ? { file } : {}),
    ...(field ? { field } : {}),
  });
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads and validates the YAML (if any), applies overrides, and freezes the result. */
export function loadAgentConfig(
  file: string | undefined,
  overrides: Record<string, unknown> = {},
): Readonly<AgentConfig> {
  let fromFile: Record<string, unknown> = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code =
        (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'MW_INPUT_NOT_FOUND' : 'MW_INPUT_UNREADABLE';
      throw new MinewardenError(code, (err as Error).message, { file });
    }
    try {
      const doc: unknown = parse(text);
      if (doc !== null && (typeof doc !== 'object' || Array.isArray(doc)))
        throw new MinewardenError('MW_CONFIG_INVALID', 'the agent config must be a mapping', { file });
      fromFile = (doc ?? {}) as Record<string, unknown>;
    } catch (err) {
      if (err instanceof YAMLParseError)
        throw new MinewardenError('MW_INPUT_PARSE', err.message, { file, line: err.linePos?.[0]?.line ?? 0 });
      throw err;
    }
  }
  // One level deep, so a flag such as --root (scan.root) keeps the file's other scan keys.
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) continue;
    const base = merged[k];
    merged[k] = isMapping(v) && isMapping(base) ? { ...base, ...v } : v;
  }
  const r = AgentConfigSchema.safeParse(merged);
  if (!r.success) fail(file ? 'MW_CONFIG_INVALID' : 'MW_USAGE', r.error, file);
  return Object.freeze(r.data);
}
