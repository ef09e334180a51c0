import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Finding } from '../../model/finding.js';
import { applySuppressions, type Suppression } from '../../posture/suppress.js';
import { renderSarif } from '../../report/sarif.js';
import type { ActionRecord } from '../../store/types.js';
import { guard, userOf } from '../auth/guard.js';
import { ErrorBody, GUARDED, type ServerContext, type ZodApp } from '../context.js';
import { isPostureFinding } from '../dashboard/classify.js';
import { groupByCheck, postureScore } from '../dashboard/posture-view.js';
import { OVERVIEW_MAX_FINDINGS } from './dashboard.js';

/**
 * Suppressions live in the store's actions table (kind `posture-suppress`): an audited operator decision with who,
 * when, why and until when, shared by every server replica. The response journal skips kinds it does not know.
 */
const KIND = 'posture-suppress';

const SuppressionBody = z
  .object({
    rule: z.string().min(1).max(200),
    resource: z.string().min(1).max(1000),
    reason: z.string().trim().min(3).max(1000),
    expires: z.iso.date(),
  })
  .strict();
const StoredSuppression = SuppressionBody.extend({ id: z.string(), by: z.string(), createdAt: z.string() });
type StoredSuppression = z.infer<typeof StoredSuppression>;
const Check = z.object({
  ruleId: z.string(),
  title: z.string(),
  severity: z.string(),
  open: z.number(),
  findings: z.array(
    z.object({
      id: z.string(),
      hostId: z.string(),
      hostName: z.string(),
      resource: z.string(),
      suppressedBy: z
        .object({ rule: z.string(), resource: z.string(), reason: z.string(), expires: z.string() })
        .nullable(),
    }),
  ),
});

function fromRecord(r: ActionRecord): StoredSuppression | null {
  const p = StoredSuppression.safeParse({ ...r.data, id: r.id, createdAt: r.createdAt });
  return p.success ? p.data : null;
}

/** The fleet's score is the mean of its hosts' scores: one bad host should not zero a thousand good ones. */
function fleetScore(hostIds: readonly string[], kept: readonly Finding[]): number {
  if (hostIds.length === 0) return postureScore(kept);
  const by = new Map<string, Finding[]>();
  for (const f of kept) {
    const list = by.get(f.host.id);
    if (list) list.push(f);
    else by.set(f.host.id, [f]);
  }
  const total = hostIds.reduce((n, id) => n + postureScore(by.get(id) ?? []), 0);
  return Math.round(total / hostIds.length);
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function postureUiRoutes(app: ZodApp, ctx: ServerContext): void {
  const viewer = guard(ctx.store, { users: 'viewer' });
  const analyst = guard(ctx.store, { users: 'analyst' });

  async function suppressions(): Promise<StoredSuppression[]> {
    const rows = await ctx.store.actions.list({ status: 'active', limit: 100_000 });
    return rows.filter((r) => r.kind === KIND).flatMap((r) => fromRecord(r) ?? []);
  }

  async function postureFindings() {
    const all = await ctx.store.fleet.listFindings({ limit: OVERVIEW_MAX_FINDINGS });
    return all.map((s) => s.finding).filter(isPostureFinding);
  }

  app.get(
    '/api/ui/posture',
    {
      preHandler: viewer,
      schema: {
        summary: 'Posture findings grouped by check, with the suppressions in force',
        tags: ['posture'],
        querystring: z.object({ host: z.string().min(1).max(200).optional() }).strict(),
        response: {
          200: z.object({
            score: z.number(),
            checks: z.array(Check),
            suppressions: z.array(StoredSuppression),
          }),
          ...GUARDED,
        },
      },
    },
    async (req) => {
      const sup = await suppressions();
      const fs = (await postureFindings()).filter((f) => !req.query.host || f.host.id === req.query.host);
      const kept = applySuppressions(fs, sup, today()).kept;
      const hosts = req.query.host ? [req.query.host] : (await ctx.store.fleet.listHosts()).map((h) => h.id);
      return { score: fleetScore(hosts, kept), checks: groupByCheck(fs, sup, today()), suppressions: sup };
    },
  );

  app.post(
    '/api/ui/posture/suppressions',
    {
      preHandler: analyst,
      schema: {
        summary: 'Suppress a check on matching resources until a date, with a reason',
        tags: ['posture'],
        body: SuppressionBody,
        response: { 201: StoredSuppression, 400: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      if (req.body.expires < today())
        return reply.code(400).send({ error: 'invalid', message: 'body.expires: must not be in the past' });
      const u = userOf(req);
      const now = new Date().toISOString();
      const s: Suppression & { by: string } = { ...req.body, by: u.name };
      const id = `sup-${randomBytes(5).toString('hex')}`;
      await ctx.store.actions.append({
        id,
        kind: KIND,
        hostId: null,
        target: `${s.rule}@${s.resource}`,
        status: 'active',
        createdAt: now,
        updatedAt: now,
        data: s,
      });
      return reply.code(201).send({ ...s, id, createdAt: now });
    },
  );

  app.delete(
    '/api/ui/posture/suppressions/:id',
    {
      preHandler: analyst,
      schema: {
        summary: 'Lift a suppression (kept in the store as lifted)',
        tags: ['posture'],
        params: z.object({ id: z.string().regex(/^sup-[0-9a-f]{10}$/) }).strict(),
        response: { 204: z.null(), 404: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      const found = (await suppressions()).some((s) => s.id === req.params.id);
      if (!found) return reply.code(404).send({ error: 'not_found', message: 'no such suppression' });
      await ctx.store.actions.updateStatus(req.params.id, 'lifted', new Date());
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/ui/posture/export',
    {
      preHandler: viewer,
      schema: {
        summary: 'Unsuppressed posture findings as SARIF 2.1.0 or JSON (a download)',
        tags: ['posture'],
        querystring: z.object({ format: z.enum(['sarif', 'json']) }).strict(),
        response: { 200: z.string(), ...GUARDED },
      },
    },
    async (req, reply) => {
      const kept = applySuppressions(await postureFindings(), await suppressions(), today()).kept;
      const sarif = req.query.format === 'sarif';
      const body = sarif
        ? renderSarif(kept, { version: '0.1.0' })
        : JSON.stringify({ findings: kept }, null, 2);
      return reply
        .header('content-type', sarif ? 'application/sarif+json' : 'application/json')
        .header(
          'content-disposition',
          `attachment; filename="minewarden-posture.${sarif ? 'sarif' : 'json'}"`,
        )
        .serializer((p: unknown) => String(p))
        .send(body);
    },
  );
}
