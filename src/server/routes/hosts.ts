import { z } from 'zod';
import { liveness } from '../../correlate/fleet-liveness.js';
import { MinewardenError } from '../../model/errors.js';
import { FindingSchema } from '../../model/schemas.js';
import { ContentVersionsSchema, ExecHeartbeatSchema, type HostRecord } from '../../store/types.js';
import { guard } from '../auth/guard.js';
import { ErrorBody, GUARDED, type ServerContext, type ZodApp } from '../context.js';
import { CpuHistorySchema, downsample, latestOf, miningMarks, parseSince } from '../cpu-history.js';

const StoredFinding = FindingSchema.extend({ firstSeen: z.string(), lastSeen: z.string() });
const Host = z.object({
  id: z.string(),
  name: z.string(),
  info: z.record(z.string(), z.unknown()),
  agentId: z.string().nullable(),
  firstSeen: z.string(),
  lastSeen: z.string(),
  lastHeartbeat: z.string().nullable(),
  status: z.enum(['alive', 'dark', 'unknown']),
  /** The exec source of the last heartbeat (netlink, or polling and why); null before one arrived. */
  exec: ExecHeartbeatSchema.nullable(),
  /** The server content (policy, rules, intel) the agent applied, as of its last heartbeat; null before one. */
  content: ContentVersionsSchema.nullable(),
  findings: z.array(StoredFinding),
});
const HostsQuery = z.object({ findings: z.coerce.number().int().min(0).max(1000).default(100) }).strict();
const CpuQuery = z
  .object({
    since: z.string().max(64).default('24h'),
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();
/** Samples one request reads at most (a 90-day window at one scan a minute is ~130,000). */
const CPU_MAX_SAMPLES = 200_000;

export function hostRoutes(app: ZodApp, ctx: ServerContext): void {
  const viewer = guard(ctx.store, { users: 'viewer' });

  async function withFindings(h: HostRecord, limit: number, now: number): Promise<z.infer<typeof Host>> {
    const [fs, [beat]] = await Promise.all([
      limit === 0 ? [] : ctx.store.fleet.listFindings({ hostId: h.id, limit }),
      ctx.store.fleet.recentHeartbeats(h.id, 1),
    ]);
    return {
      id: h.id,
      name: h.name,
      info: h.info,
      agentId: h.agentId,
      firstSeen: h.firstSeen,
      lastSeen: h.lastSeen,
      lastHeartbeat: h.lastHeartbeat,
      status: liveness(h.lastHeartbeat, h.heartbeatIntervalMs, now),
      exec: beat?.exec ?? null,
      content: beat?.content ?? null,
      findings: fs.map((s) => ({ ...s.finding, firstSeen: s.firstSeen, lastSeen: s.lastSeen })),
    };
  }

  app.get(
    '/api/hosts',
    {
      preHandler: viewer,
      schema: {
        summary: 'Hosts with their findings (most severe first, at most `findings` per host)',
        tags: ['hosts'],
        querystring: HostsQuery,
        response: { 200: z.object({ hosts: z.array(Host) }), ...GUARDED },
      },
    },
    async (req) => {
      const now = Date.now();
      const hosts = await ctx.store.fleet.listHosts();
      return { hosts: await Promise.all(hosts.map((h) => withFindings(h, req.query.findings, now))) };
    },
  );

  app.get(
    '/api/hosts/:id',
    {
      preHandler: viewer,
      schema: {
        summary: 'One host with its findings',
        tags: ['hosts'],
        params: z.object({ id: z.string().min(1).max(200) }),
        querystring: HostsQuery,
        response: { 200: Host, 404: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      const h = await ctx.store.fleet.getHost(req.params.id);
      if (!h) return reply.code(404).send({ error: 'not_found', message: 'no such host' });
      return withFindings(h, req.query.findings, Date.now());
    },
  );

  app.get(
    '/api/hosts/:id/cpu',
    {
      preHandler: viewer,
      schema: {
        summary:
          'CPU history of a host: busy % per scan with its busiest processes, and when mining was first seen',
        description:
          'since: a duration back from now (30m, 24h, 7d; default 24h) or an ISO time, at most 90 days. More than 500 samples are averaged into equal buckets.',
        tags: ['hosts'],
        params: z.object({ id: z.string().min(1).max(200) }),
        querystring: CpuQuery,
        response: { 200: CpuHistorySchema, 400: ErrorBody, 404: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      const now = Date.now();
      const until = req.query.until ? Math.min(Date.parse(req.query.until), now) : now;
      let since: number;
      try {
        since = parseSince(req.query.since, until);
      } catch (err) {
        if (!(err instanceof MinewardenError)) throw err;
        return reply.code(400).send({ error: 'invalid', message: `querystring.${err.message}` });
      }
      const h = await ctx.store.fleet.getHost(req.params.id);
      if (!h) return reply.code(404).send({ error: 'not_found', message: 'no such host' });
      const [samples, findings] = await Promise.all([
        ctx.store.fleet.cpuSamples(h.id, since, until + 1, CPU_MAX_SAMPLES),
        ctx.store.fleet.listFindings({ hostId: h.id, limit: 5000 }),
      ]);
      return {
        hostId: h.id,
        since: new Date(since).toISOString(),
        until: new Date(until).toISOString(),
        samples: samples.length,
        ...downsample(samples, since, until + 1),
        latest: latestOf(samples),
        mining: miningMarks(findings),
      };
    },
  );
}
