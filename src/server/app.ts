import type { Writable } from 'node:stream';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyRequest, LogController } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Sinks } from '../sinks/index.js';
import type { Store } from '../store/store.js';
import { parseServerConfig, type ServerConfig } from './config.js';
import type { ServerContext, ZodApp } from './context.js';
import { registerDashboard } from './dashboard.js';
import { FleetCorrelator } from './fleet-service.js';
import { IngestService } from './ingest.js';
import { type MetricSources, ServerMetrics } from './metrics.js';
import { agentRoutes } from './routes/agents.js';
import { contentRoutes } from './routes/content.js';
import { fleetRoutes } from './routes/fleet.js';
import { hostRoutes } from './routes/hosts.js';
import { ingestRoutes } from './routes/ingest.js';
import { metricsRoutes } from './routes/metrics.js';
import { sessionRoutes } from './routes/session.js';
import { userRoutes } from './routes/users.js';

export interface ServerOptions {
  store: Store;
  version?: string;
  /** Where request logs go (JSON lines); omit for no logging. */
  logStream?: Writable;
  logLevel?: string;
  sessionTtlMs?: number;
  secureCookies?: boolean;
  /** Body limit for everything but ingest, which sets its own. */
  bodyLimit?: number;
  /** Sinks, fleet correlation, metrics, bus names; defaults when absent. */
  config?: ServerConfig;
  /** The bus consumer's counters, for /metrics, once it runs. */
  busStats?: MetricSources['bus'];
}

export interface BuiltServer {
  app: ZodApp;
  ctx: ServerContext;
}

function describeValidation(err: FastifyError): string {
  if (hasZodFastifySchemaValidationErrors(err)) {
    const first = err.validation[0];
    const path = (first?.instancePath ?? '').replace(/\//g, '.').replace(/\.$/, '');
    const where = `${err.validationContext ?? 'body'}${path}`;
    return `${where}: ${first?.message ?? 'invalid'}${err.validation.length > 1 ? ` (and ${err.validation.length - 1} more)` : ''}`;
  }
  return err.message;
}

function isAgentTraffic(route: string | undefined): boolean {
  return route === '/api/ingest' || (route?.startsWith('/api/agent/') ?? false);
}

export async function buildServer(opts: ServerOptions): Promise<BuiltServer> {
  const app = Fastify({
    logger: opts.logStream
      ? {
          level: opts.logLevel ?? 'info',
          stream: opts.logStream,
          // Defence in depth: the default serializers log no headers, but a credential must never reach a log.
          redact: {
            paths: [
              'req.headers.authorization',
              'req.headers.cookie',
              'headers.authorization',
              'headers.cookie',
              '*.token',
              '*.password',
              '*.credential',
            ],
            censor: '[redacted]',
          },
        }
      : false,
    // One line per request, written by the onResponse hook below, instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? 256 * 1024,
    // Behind a proxy the operator decides; by default the socket address is the client.
    trustProxy: false,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err.validation) return reply.code(400).send({ error: 'invalid', message: describeValidation(err) });
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500)
      return reply.code(status).send({ error: err.code ?? 'bad_request', message: err.message });
    req.log.error({ err }, 'request failed');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
  app.setNotFoundHandler((_req, reply) =>
    reply.code(404).send({ error: 'not_found', message: 'no such route' }),
  );

  // JSON only: a text body would otherwise reach the schema as a string and blur the error.
  app.removeContentTypeParser('text/plain');
  // No per-request cookie parsing hook: the session cookie is read where a route needs it (auth/principal.ts).
  await app.register(fastifyCookie, { hook: false });
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'minewarden', description: 'Fleet server API', version: opts.version ?? '0.0.0' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'mwt_ API token or mwa_ agent credential' },
          session: { type: 'apiKey', in: 'cookie', name: 'mw_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });

  const config = opts.config ?? parseServerConfig({});
  const ingest = new IngestService(opts.store, config.cloud.collectors);
  const sinks = new Sinks(
    config.sinks,
    opts.version ?? '0.0.0',
    (sink, err) => app.log.warn({ sink, error: err.message }, 'sink gave up on an alert'),
    config.realertMinutes * 60_000,
  );
  const fleet = new FleetCorrelator(opts.store, ingest, config.fleet, (msg, f) => app.log.warn(f ?? {}, msg));
  const metrics = new ServerMetrics({
    sinks: () => sinks.stats(),
    ...(opts.busStats ? { bus: opts.busStats } : {}),
    fleet: () => ({ incidents: fleet.groups.length, bans: fleet.bans.length, darkHosts: fleet.darkHosts }),
  });
  // Metrics first, sinks after: both run after commit and neither can fail the ingest.
  ingest.onIngested(metrics.onBatch);
  ingest.onIngested(sinks.onBatch);
  const ctx: ServerContext = {
    store: opts.store,
    ingest,
    sessionTtlMs: opts.sessionTtlMs ?? 12 * 3_600_000,
    secureCookies: opts.secureCookies ?? false,
    config,
    metrics,
    sinks,
    fleet,
  };
  // One hook for the request log line and the ingest status counter: agents post thousands of times per second,
  // and every hook is paid per request. Their successful calls are debug lines (built only when debug is on),
  // everything else info.
  const debugOn = (req: FastifyRequest): boolean => req.log.level === 'debug' || req.log.level === 'trace';
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url;
    if (route === '/api/ingest') metrics.ingestStatus(reply.statusCode);
    const routine = reply.statusCode < 400 && isAgentTraffic(route);
    if (!routine || debugOn(req))
      req.log[routine ? 'debug' : 'info'](
        {
          method: req.method,
          route: route ?? 'unmatched',
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime),
        },
        'request',
      );
    done();
  });

  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness',
        tags: ['meta'],
        security: [],
        response: { 200: z.object({ ok: z.boolean() }) },
      },
    },
    async () => ({ ok: true }),
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  sessionRoutes(app, ctx);
  userRoutes(app, ctx);
  agentRoutes(app, ctx);
  ingestRoutes(app, ctx);
  hostRoutes(app, ctx);
  fleetRoutes(app, ctx);
  contentRoutes(app, ctx);
  if (ctx.config.metrics.enabled) metricsRoutes(app, ctx, ctx.config.metrics.token);
  await registerDashboard(app, ctx);
  await app.ready();
  return { app, ctx };
}
