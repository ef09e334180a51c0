import { z } from 'zod';
import { SeveritySchema } from '../../model/schemas.js';
import { guard } from '../auth/guard.js';
import { GUARDED, type ServerContext, type ZodApp } from '../context.js';

const Ban = z.object({
  ip: z.string(),
  hosts: z.array(z.string()),
  firstSeen: z.string(),
  lastSeen: z.string(),
  expiresAt: z.string(),
  reason: z.string(),
});
const FleetIncident = z.object({
  id: z.string(),
  kind: z.enum(['pool', 'miner-hash', 'brute-force']),
  indicator: z.string(),
  severity: SeveritySchema,
  lastSeen: z.string(),
  hosts: z.array(z.object({ id: z.string(), name: z.string(), findings: z.array(z.string()) })),
});

/** Fleet incidents and the ban list as the last correlation pass left them. */
export function fleetRoutes(app: ZodApp, ctx: ServerContext): void {
  const viewer = guard(ctx.store, { users: 'viewer' });
  const agents = guard(ctx.store, { agents: true });

  app.get(
    '/api/fleet/incidents',
    {
      preHandler: viewer,
      schema: {
        summary: 'Fleet incidents: the same pool, miner binary or attacking address seen on several hosts',
        tags: ['fleet'],
        response: {
          200: z.object({ incidents: z.array(FleetIncident), updatedAt: z.string().nullable() }),
          ...GUARDED,
        },
      },
    },
    async () => ({
      incidents: ctx.fleet.groups.map((g) => ({
        id: g.incidentId,
        kind: g.kind,
        indicator: g.value,
        severity: g.severity,
        lastSeen: g.lastTime,
        hosts: [...g.hosts.values()].map((h) => ({ id: h.host.id, name: h.host.name, findings: h.findings })),
      })),
      updatedAt: ctx.fleet.updatedAt,
    }),
  );

  app.get(
    '/api/fleet/bans',
    {
      preHandler: viewer,
      schema: {
        summary: 'The fleet ban list: addresses that brute-forced several hosts',
        tags: ['fleet'],
        response: { 200: z.object({ bans: z.array(Ban), updatedAt: z.string().nullable() }), ...GUARDED },
      },
    },
    async () => ({ bans: ctx.fleet.bans, updatedAt: ctx.fleet.updatedAt }),
  );

  app.get(
    '/api/agent/fleet-bans',
    {
      preHandler: agents,
      schema: {
        summary: 'The ban list an agent polls; it applies it only where its response policy allows',
        tags: ['fleet'],
        response: { 200: z.object({ bans: z.array(Ban), updatedAt: z.string().nullable() }), ...GUARDED },
      },
    },
    async () => ({ bans: ctx.fleet.bans, updatedAt: ctx.fleet.updatedAt }),
  );
}
