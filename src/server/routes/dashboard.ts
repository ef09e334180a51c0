import { z } from 'zod';
import { liveness } from '../../correlate/fleet-liveness.js';
import { parseDuration } from '../../cost/duration.js';
import type { StoredFinding } from '../../store/types.js';
import { guard } from '../auth/guard.js';
import { ErrorBody, GUARDED, type ServerContext, type ZodApp } from '../context.js';
import { hostStatus } from '../dashboard/classify.js';
import { buildHostView } from '../dashboard/host-view.js';
import { buildIncidentView } from '../dashboard/incident-view.js';
import { fleetCost, incidentCostOf } from '../dashboard/money.js';
import { buildOverview } from '../dashboard/overview.js';
import {
  FleetCostSchema,
  HostViewSchema,
  IncidentListSchema,
  IncidentViewSchema,
  OverviewSchema,
  SurfaceSchema,
} from '../dashboard/schemas.js';
import { buildSurface } from '../dashboard/surface.js';

/** The overview reads at most this many findings (most severe first): enough for a large fleet, bounded memory. */
export const OVERVIEW_MAX_FINDINGS = 200_000;
const Id = z.string().min(1).max(200);

export interface DashboardRouteOptions {
  /** Id of the host this server runs on; responses can only act here. */
  localHostId: () => string | null;
}

export function dashboardRoutes(app: ZodApp, ctx: ServerContext, opts: DashboardRouteOptions): void {
  const viewer = guard(ctx.store, { users: 'viewer' });
  const fleet = ctx.store.fleet;

  app.get(
    '/api/ui/overview',
    {
      preHandler: viewer,
      schema: {
        summary: 'Fleet at a glance: host status, incidents, money burned, pools, attackers, cost over time',
        tags: ['dashboard'],
        response: { 200: OverviewSchema, ...GUARDED },
      },
    },
    async () => {
      const now = Date.now();
      const [hosts, findings, incidents] = await Promise.all([
        fleet.listHosts(),
        fleet.listFindings({ limit: OVERVIEW_MAX_FINDINGS }),
        fleet.listIncidents(),
      ]);
      return buildOverview(
        hosts.map((h) => ({
          id: h.id,
          name: h.name,
          lastSeen: h.lastSeen,
          liveness: liveness(h.lastHeartbeat, h.heartbeatIntervalMs, now),
        })),
        findings,
        incidents,
        now,
      );
    },
  );

  app.get(
    '/api/ui/hosts/:id',
    {
      preHandler: viewer,
      schema: {
        summary:
          'One host: processes by CPU with cost, listeners with exposure, findings, incidents, posture',
        tags: ['dashboard'],
        params: z.object({ id: Id }).strict(),
        response: { 200: HostViewSchema, 404: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      const now = Date.now();
      const h = await fleet.getHost(req.params.id);
      if (!h) return reply.code(404).send({ error: 'not_found', message: 'no such host' });
      const [findings, incidents, inventory] = await Promise.all([
        fleet.listFindings({ hostId: h.id, limit: 5000 }),
        fleet.listIncidents(h.id),
        fleet.latestInventory(h.id),
      ]);
      const live = liveness(h.lastHeartbeat, h.heartbeatIntervalMs, now);
      const view = buildHostView(
        hostStatus(live, findings, incidents, now),
        findings,
        incidents,
        inventory,
        now,
      );
      return {
        ...view,
        host: {
          id: h.id,
          name: h.name,
          info: h.info,
          lastSeen: h.lastSeen,
          lastHeartbeat: h.lastHeartbeat,
          liveness: live,
        },
        local: opts.localHostId() === h.id,
        findings: findings.map((s: StoredFinding) => ({
          ...s.finding,
          firstSeen: s.firstSeen,
          lastSeen: s.lastSeen,
        })),
        incidents,
      };
    },
  );

  app.get(
    '/api/ui/incidents',
    {
      preHandler: viewer,
      schema: {
        summary: 'Incidents, newest first',
        tags: ['dashboard'],
        querystring: z.object({ host: Id.optional() }).strict(),
        response: { 200: IncidentListSchema, ...GUARDED },
      },
    },
    async (req) => {
      const [incidents, hosts] = await Promise.all([fleet.listIncidents(req.query.host), fleet.listHosts()]);
      const names = new Map(hosts.map((h) => [h.id, h.name]));
      return {
        incidents: incidents.map((i) => ({
          id: i.id,
          hostId: i.host.id,
          hostName: names.get(i.host.id) ?? i.host.name,
          severity: i.severity,
          title: i.title,
          lastSeen: i.lastSeen,
          stages: i.stages,
        })),
      };
    },
  );

  app.get(
    '/api/ui/incidents/:id',
    {
      preHandler: viewer,
      schema: {
        summary:
          'One incident as a kill-chain timeline with evidence, attribution, entities and recommendations',
        tags: ['dashboard'],
        params: z.object({ id: Id }).strict(),
        response: { 200: IncidentViewSchema, 404: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      const incident = (await fleet.listIncidents()).find((i) => i.id === req.params.id);
      if (!incident) return reply.code(404).send({ error: 'not_found', message: 'no such incident' });
      const [findings, host] = await Promise.all([
        fleet.listFindings({ hostId: incident.host.id, limit: 5000 }),
        fleet.getHost(incident.host.id),
      ]);
      // The agent priced the incident as of its scan; the stored findings say what it has cost until now.
      const cost = incidentCostOf(incident, findings, Date.now());
      const view = buildIncidentView(cost ? { ...incident, cost } : incident, findings);
      return {
        ...view,
        hostName: host?.name ?? incident.host.name,
        local: opts.localHostId() === incident.host.id,
      };
    },
  );

  app.get(
    '/api/cost',
    {
      preHandler: viewer,
      schema: {
        summary:
          'What mining costs: money in a window, per hour now and per month projected, fleet-wide and per host, per currency',
        tags: ['dashboard'],
        querystring: z
          .object({
            since: z
              .string()
              .max(20)
              .regex(/^[1-9]\d{0,5}[smhdw]$/, 'a duration like 30m, 24h or 7d')
              .optional(),
            from: z.iso.datetime({ offset: true }).optional(),
            to: z.iso.datetime({ offset: true }).optional(),
          })
          .strict(),
        response: { 200: FleetCostSchema, 400: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      const now = Date.now();
      const q = req.query;
      if (q.since && q.from)
        return reply
          .code(400)
          .send({ error: 'invalid', message: 'querystring: give since or from, not both' });
      const to = q.to ? Math.min(Date.parse(q.to), now) : now;
      // Default window: today (UTC), the overview's "today".
      const from = q.from
        ? Date.parse(q.from)
        : q.since
          ? to - parseDuration(q.since, 'since')
          : new Date(now).setUTCHours(0, 0, 0, 0);
      if (from > to) return reply.code(400).send({ error: 'invalid', message: 'querystring.from: after to' });
      const [hosts, findings] = await Promise.all([
        fleet.listHosts(),
        fleet.listFindings({ limit: OVERVIEW_MAX_FINDINGS }),
      ]);
      return fleetCost(findings, new Map(hosts.map((h) => [h.id, h.name])), from, to, now);
    },
  );

  app.get(
    '/api/ui/surface',
    {
      preHandler: viewer,
      schema: {
        summary:
          'Attack paths (internet -> port -> service -> host -> gain), ranked; optionally for one host',
        tags: ['dashboard'],
        querystring: z
          .object({ host: Id.optional(), limit: z.coerce.number().int().min(1).max(1000).default(200) })
          .strict(),
        response: { 200: SurfaceSchema, ...GUARDED },
      },
    },
    async (req) => {
      const all = await fleet.listHosts();
      const hosts = req.query.host ? all.filter((h) => h.id === req.query.host) : all;
      const findings = await fleet.listFindings({ limit: OVERVIEW_MAX_FINDINGS });
      const byHost = new Map<string, StoredFinding['finding'][]>();
      for (const s of findings) {
        const list = byHost.get(s.finding.host.id);
        if (list) list.push(s.finding);
        else byHost.set(s.finding.host.id, [s.finding]);
      }
      const withInv = await Promise.all(
        hosts.map(async (h) => ({
          id: h.id,
          name: h.name,
          inventory: await fleet.latestInventory(h.id),
          findings: byHost.get(h.id) ?? [],
        })),
      );
      return buildSurface(withInv, req.query.limit);
    },
  );
}
