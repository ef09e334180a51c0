import { connect, type NatsConnection } from 'nats';
import type { Alert, SinkTransport } from './types.js';

/**
 * Publishes each alert as JSON on a core NATS subject. A publish is buffered by the client, so `send` flushes:
 * it resolves once the server has it, and rejects when the server cannot be reached.
 */
export function natsSink(url: string, subject: string, timeoutMs: number): SinkTransport {
  let conn: Promise<NatsConnection> | null = null;
  const get = () => {
    conn ??= connect({ servers: url, timeout: timeoutMs, reconnect: true, maxReconnectAttempts: -1 }).catch(
      (err: unknown) => {
        conn = null;
        throw err;
      },
    );
    return conn;
  };
  return {
    async send(a: Alert) {
      const nc = await get();
      nc.publish(subject, JSON.stringify({ source: 'minewarden', ...a }));
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          nc.flush(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('NATS flush timeout')), timeoutMs);
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      const c = conn;
      conn = null;
      if (c) await (await c.catch(() => null))?.drain().catch(() => undefined);
    },
  };
}
