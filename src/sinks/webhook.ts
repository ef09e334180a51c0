import { createHmac } from 'node:crypto';
import { postJson } from './http.js';
import type { Alert, SinkTransport } from './types.js';

export const SIGNATURE_HEADER = 'x-minewarden-signature';
export const TIMESTAMP_HEADER = 'x-minewarden-timestamp';

/** `sha256=<hex>` over `<timestamp>.<body>`: the timestamp inside the MAC lets receivers refuse replays. */
export function signBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function webhookBody(a: Alert): string {
  return JSON.stringify({ source: 'minewarden', ...a });
}

export function webhookSink(url: string, secret: string, timeoutMs: number): SinkTransport {
  return {
    async send(a) {
      const body = webhookBody(a);
      const ts = String(Math.floor(Date.now() / 1000));
      await postJson(
        url,
        body,
        { [SIGNATURE_HEADER]: signBody(secret, ts, body), [TIMESTAMP_HEADER]: ts },
        timeoutMs,
      );
    },
    async close() {},
  };
}
