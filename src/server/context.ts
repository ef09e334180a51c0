import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Sinks } from '../sinks/index.js';
import type { Store } from '../store/store.js';
import type { ServerConfig } from './config.js';
import type { FleetCorrelator } from './fleet-service.js';
import type { IngestService } from './ingest.js';
import type { ServerMetrics } from './metrics.js';

export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface ServerContext {
  store: Store;
  ingest: IngestService;
  sessionTtlMs: number;
  /** Mark the session cookie Secure (behind TLS). */
  secureCookies: boolean;
  config: ServerConfig;
  metrics: ServerMetrics;
  sinks: Sinks;
  fleet: FleetCorrelator;
}

export const ErrorBody = z.object({ error: z.string(), message: z.string() });

/** The responses every guarded route can give besides its own. */
export const GUARDED = { 401: ErrorBody, 403: ErrorBody } as const;
