import { z } from 'zod';
import {
  type Checked,
  ContentDocSchema,
  checkIntel,
  checkPolicy,
  checkRules,
  contentEtag,
  contentHash,
  MAX_CONTENT_BYTES,
} from '../../agent/content.js';
import { MinewardenError } from '../../model/errors.js';
import { CONTENT_KINDS, type ContentKind, type ContentRecord } from '../../store/content.js';
import { guard, userOf } from '../auth/guard.js';
import { ErrorBody, GUARDED, type ServerContext, type ZodApp } from '../context.js';

const Version = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:+-]{0,99}$/, 'letters, digits and . _ : + - (at most 100)');

const Bodies = {
  policy: z
    .object({ yaml: z.string().min(1).max(MAX_CONTENT_BYTES.policy), version: Version.optional() })
    .strict(),
  rules: z
    .object({
      yaml: z.string().min(1).max(MAX_CONTENT_BYTES.rules),
      /** Names the pack in error messages. */
      name: z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,64}$/)
        .optional(),
      version: Version.optional(),
    })
    .strict(),
  intel: z
    .object({
      text: z.string().min(1).max(MAX_CONTENT_BYTES.intel),
      list: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'a short lowercase list name'),
      version: Version.optional(),
      date: z.iso.date().optional(),
    })
    .strict(),
} as const;

const Summary = z.object({
  kind: z.enum(CONTENT_KINDS),
  version: z.string(),
  updatedAt: z.string(),
  updatedBy: z.string(),
  meta: z.record(z.string(), z.unknown()),
});

const KindParams = z.object({ kind: z.enum(CONTENT_KINDS) });

const WHAT: Record<ContentKind, string> = {
  policy: 'the response policy (which automatic actions agents may take)',
  rules: 'the custom Sigma rule pack agents run beside the built-in detectors',
  intel: 'the pool intel pack (domains, addresses) agents match beside the built-in list',
};

/** Seconds a replica reuses what it read, so thousands of agents polling cost a handful of queries. */
const CACHE_MS = 2000;

function validate(kind: ContentKind, body: unknown): { checked: Checked; text: string; version?: string } {
  if (kind === 'policy') {
    const b = body as z.infer<typeof Bodies.policy>;
    return { checked: checkPolicy(b.yaml), text: b.yaml, ...(b.version ? { version: b.version } : {}) };
  }
  if (kind === 'rules') {
    const b = body as z.infer<typeof Bodies.rules>;
    return {
      checked: checkRules(b.yaml, b.name ?? 'rules.yml'),
      text: b.yaml,
      ...(b.version ? { version: b.version } : {}),
    };
  }
  const b = body as z.infer<typeof Bodies.intel>;
  const checked = checkIntel(b.text, {
    list: b.list,
    ...(b.version ? { version: b.version } : {}),
    ...(b.date ? { date: b.date } : {}),
    fallbackDate: new Date().toISOString().slice(0, 10),
  });
  return { checked, text: b.text };
}

/**
 * Policy, custom rules and intel: admins set them, agents poll them. Each kind is one document with a version and
 * an ETag; an agent sends If-None-Match and gets 304 while nothing changed.
 */
export function contentRoutes(app: ZodApp, ctx: ServerContext): void {
  const admin = guard(ctx.store, { users: 'admin' });
  const analyst = guard(ctx.store, { users: 'analyst' });
  const agents = guard(ctx.store, { agents: true });
  const cache = new Map<ContentKind, { rec: ContentRecord | null; at: number }>();

  async function current(kind: ContentKind): Promise<ContentRecord | null> {
    const hit = cache.get(kind);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.rec;
    const rec = await ctx.store.content.get(kind);
    cache.set(kind, { rec, at: Date.now() });
    return rec;
  }

  for (const kind of CONTENT_KINDS) {
    app.get(
      `/api/agent/${kind}`,
      {
        preHandler: agents,
        schema: {
          summary: `What agents poll: ${WHAT[kind]}`,
          description:
            'Send the last ETag in If-None-Match: 304 while it is current. `version: null` means none is set, and an agent drops what it applied.',
          tags: ['agent content'],
          headers: z.object({ 'if-none-match': z.string().max(200).optional() }).loose(),
          response: { 200: ContentDocSchema, 304: z.null(), ...GUARDED },
        },
      },
      async (req, reply) => {
        const rec = await current(kind);
        const etag = rec?.etag ?? `"none-${kind}"`;
        void reply.header('etag', etag).header('cache-control', 'no-cache');
        if (req.headers['if-none-match'] === etag) return reply.code(304).send(null);
        return rec
          ? { kind, version: rec.version, updatedAt: rec.updatedAt, body: rec.body, meta: rec.meta }
          : { kind, version: null, updatedAt: null, body: null, meta: {} };
      },
    );
  }

  app.get(
    '/api/content/:kind',
    {
      preHandler: analyst,
      schema: {
        summary: 'The policy, rule pack or intel pack agents get, with who set it and when',
        tags: ['agent content'],
        params: KindParams,
        response: {
          200: Summary.extend({ body: z.string() }),
          404: ErrorBody,
          ...GUARDED,
        },
      },
    },
    async (req, reply) => {
      const rec = await ctx.store.content.get(req.params.kind);
      if (!rec) return reply.code(404).send({ error: 'not_found', message: `no ${req.params.kind} is set` });
      const { etag: _e, ...rest } = rec;
      return rest;
    },
  );

  for (const kind of CONTENT_KINDS) {
    app.put(
      `/api/content/${kind}`,
      {
        preHandler: admin,
        bodyLimit: MAX_CONTENT_BYTES[kind] * 2,
        schema: {
          summary: `Set ${WHAT[kind]}`,
          description:
            'Validated as agents will read it (policy schema, the Sigma rule loader, the pool list parser); a 400 names the line and field.',
          tags: ['agent content'],
          body: Bodies[kind],
          response: { 200: Summary, 400: ErrorBody, 413: ErrorBody, ...GUARDED },
        },
      },
      async (req, reply) => {
        let v: ReturnType<typeof validate>;
        try {
          v = validate(kind, req.body);
        } catch (err) {
          if (err instanceof MinewardenError)
            return reply.code(400).send({ error: 'invalid', message: `${err.code}: ${err.message}` });
          throw err;
        }
        const version = v.checked.kind === 'intel' ? v.checked.version : (v.version ?? contentHash(v.text));
        const rec: ContentRecord = {
          kind,
          version,
          etag: contentEtag(kind, version, v.text),
          body: v.text,
          meta: v.checked.meta as unknown as Record<string, unknown>,
          updatedAt: new Date().toISOString(),
          updatedBy: userOf(req).name,
        };
        await ctx.store.content.put(rec);
        cache.delete(kind);
        req.log.info({ kind, version }, 'agent content set');
        const { etag: _e, body: _b, ...summary } = rec;
        return summary;
      },
    );
  }

  app.delete(
    '/api/content/:kind',
    {
      preHandler: admin,
      schema: {
        summary:
          'Remove the policy, rule pack or intel pack; agents drop what they applied at their next poll',
        tags: ['agent content'],
        params: KindParams,
        response: { 204: z.null(), 404: ErrorBody, ...GUARDED },
      },
    },
    async (req, reply) => {
      if (!(await ctx.store.content.remove(req.params.kind)))
        return reply.code(404).send({ error: 'not_found', message: `no ${req.params.kind} is set` });
      cache.delete(req.params.kind);
      return reply.code(204).send(null);
    },
  );
}
