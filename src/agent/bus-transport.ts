import { connect, headers, type NatsConnection } from 'nats';
import { MinewardenError } from '../model/errors.js';
import { type BusNames, busSubject, DEFAULT_BUS_NAMES, ensureStream } from './bus-stream.js';
import type { SendOutcome, Transport } from './transport.js';

/**
 * Publishes batches to JetStream. The publish ack means the stream stored the batch durably; msgID = batchId
 * lets JetStream drop a resend after a lost ack. The agent credential rides in a header so the server
 * authenticates bus batches exactly like HTTP ones.
 */
export class BusTransport implements Transport {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly credential: string,
    private readonly hostId: string,
    private readonly names: Pick<BusNames, 'stream' | 'subjectPrefix'>,
  ) {}

  static async open(
    url: string,
    credential: string,
    hostId: string,
    names: Pick<BusNames, 'stream' | 'subjectPrefix'> = DEFAULT_BUS_NAMES,
  ): Promise<BusTransport> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: url,
        reconnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 1000,
      });
      await ensureStream(nc, names);
    } catch (err) {
      throw new MinewardenError('MW_BUS_UNAVAILABLE', `${url}: ${(err as Error).message}`, {
        field: '--bus',
      });
    }
    return new BusTransport(nc, credential, hostId, names);
  }

  async send(batchId: string, body: string): Promise<SendOutcome> {
    const h = headers();
    h.set('Authorization', `Bearer ${this.credential}`);
    try {
      await this.nc.jetstream().publish(busSubject(this.hostId, this.names.subjectPrefix), body, {
        msgID: batchId,
        headers: h,
        timeout: 10_000,
      });
      return { kind: 'ok' };
    } catch (err) {
      return { kind: 'retry', reason: (err as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
  }
}
