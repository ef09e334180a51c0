import { type HttpAnswer, httpRequest } from './http.js';

/** What became of one send: committed, refused for good (drop it), or worth retrying later. */
export type SendOutcome =
  | { kind: 'ok' }
  | { kind: 'rejected'; status: number; message: string }
  | { kind: 'retry'; reason: string };

/** How batches leave the agent: HTTP to a server, or JetStream on a bus. */
export interface Transport {
  send(batchId: string, body: string): Promise<SendOutcome>;
  close(): Promise<void>;
}

/** POSTs to /api/ingest; a 200 means the server committed the whole batch. */
export class HttpTransport implements Transport {
  constructor(
    private readonly server: string,
    private readonly credential: () => string,
    private readonly timeoutMs = 30_000,
  ) {}

  async send(_batchId: string, body: string): Promise<SendOutcome> {
    let res: HttpAnswer;
    try {
      res = await httpRequest(new URL('/api/ingest', this.server), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.credential()}` },
        body,
        timeoutMs: this.timeoutMs,
        maxBytes: 1024 * 1024,
      });
    } catch (err) {
      return { kind: 'retry', reason: (err as Error).message };
    }
    const text = res.text;
    if (res.status >= 200 && res.status < 300) return { kind: 'ok' };
    // 401: the credential is unknown or revoked; keep the data and retry slowly, an operator may re-enroll.
    // 408/429/5xx: the server is busy or broken; retry. Other 4xx: this batch will never be accepted.
    if (res.status === 401 || res.status === 408 || res.status === 429 || res.status >= 500)
      return { kind: 'retry', reason: `HTTP ${res.status}` };
    return { kind: 'rejected', status: res.status, message: text.slice(0, 500) };
  }

  async close(): Promise<void> {}
}
