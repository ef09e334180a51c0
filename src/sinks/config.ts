import { z } from 'zod';
import { SeveritySchema } from '../model/schemas.js';

const Common = {
  /** Names the sink in metrics and logs; defaults to its type and position. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .optional(),
  /** Findings below this are not forwarded; incidents always are. */
  minSeverity: SeveritySchema.default('medium'),
  queue: z.number().int().positive().max(1_000_000).default(10_000),
  retries: z.number().int().min(0).max(100).default(5),
  backoffMs: z.number().int().positive().max(60_000).default(500),
  maxBackoffMs: z.number().int().positive().max(3_600_000).default(30_000),
  timeoutMs: z.number().int().positive().max(120_000).default(10_000),
};

const HttpUrl = z.url({ protocol: /^https?$/ });
const Port = z.number().int().min(1).max(65535);

export const SinkConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('webhook'),
    url: HttpUrl,
    /** HMAC-SHA256 key; the receiver checks X-Minewarden-Signature with it. */
    secret: z.string().min(16, 'at least 16 characters').max(512),
    ...Common,
  }),
  z.strictObject({ type: z.literal('slack'), url: HttpUrl, ...Common }),
  z.strictObject({
    type: z.literal('syslog'),
    host: z.string().min(1).max(253),
    port: Port.default(514),
    protocol: z.enum(['udp', 'tcp']).default('udp'),
    /** `rfc5424`: structured data with the finding; `cef`: ArcSight CEF as the RFC 5424 message. */
    format: z.enum(['rfc5424', 'cef']).default('rfc5424'),
    facility: z.number().int().min(0).max(23).default(4),
    appName: z
      .string()
      .regex(/^[!-~]{1,48}$/)
      .default('minewarden'),
    ...Common,
  }),
  z.strictObject({
    type: z.literal('nats'),
    url: z.string().regex(/^nats:\/\/\S+$/, 'nats://host:port'),
    subject: z
      .string()
      .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a NATS subject without wildcards')
      .default('minewarden.alerts'),
    ...Common,
  }),
  z.strictObject({ type: z.literal('ocsf-file'), path: z.string().min(1), ...Common }),
]);
export type SinkConfig = z.infer<typeof SinkConfigSchema>;
export type SinkConfigInput = z.input<typeof SinkConfigSchema>;

export function sinkName(c: SinkConfig, index: number): string {
  return c.name ?? `${c.type}-${index}`;
}
