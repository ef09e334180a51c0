import { AckPolicy, type ConsumerMessages, connect, type JsMsg, type NatsConnection, nanos } from 'nats';
import { type BusNames, DEFAULT_BUS_NAMES, ensureStream } from '../agent/bus-stream.js';
import { MinewardenError } from '../model/errors.js';
import type { Store } from '../store/store.js';
import { IngestBatchSchema } from '../store/types.js';
import { hashSecret, secretKind } from './auth/secrets.js';
import { IngestRejected, type IngestService } from './ingest.js';

/** Batches handled at once; matches the consumer's pull size. */
const MAX_IN_FLIGHT = 64;

export interface BusStats {
  committed: number;
  refused: number;
  retried: number;
}

/**
 * Consumes agent batches from JetStream as one durable consumer shared by every server replica (a queue group):
 * each message goes to one replica, is acked only after its transaction committed, and is redelivered to a
 * surviving replica if this one dies first. Idempotent ingest makes redelivery harmless.
 */
export class BusConsumer {
  readonly stats: BusStats = { committed: 0, refused: 0, retried: 0 };
  private messages: ConsumerMessages | null = null;
  private loop: Promise<void> | null = null;
  private closing = false;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly store: Store,
    private readonly ingest: IngestService,
    private readonly log: (msg: string, f?: Record<string, unknown>) => void,
  ) {}

  static async start(
    url: string,
    store: Store,
    ingest: IngestService,
    log: BusConsumer['log'] = () => {},
    names: BusNames & { ackWaitMs?: number } = DEFAULT_BUS_NAMES,
  ): Promise<BusConsumer> {
    let nc: NatsConnection;
    try {
      nc = await connect({ servers: url, reconnect: true, maxReconnectAttempts: -1 });
      const jsm = await ensureStream(nc, names);
      try {
        await jsm.consumers.info(names.stream, names.consumer);
      } catch {
        await jsm.consumers.add(names.stream, {
          durable_name: names.consumer,
          ack_policy: AckPolicy.Explicit,
          // Bounds how long a batch held by a replica that died waits before another replica gets it.
          ack_wait: nanos(names.ackWaitMs ?? 10_000),
          max_ack_pending: 1000,
        });
      }
    } catch (err) {
      throw new MinewardenError('MW_BUS_UNAVAILABLE', `${url}: ${(err as Error).message}`, {
        field: '--bus',
      });
    }
    const c = new BusConsumer(nc, store, ingest, log);
    const consumer = await nc.jetstream().consumers.get(names.stream, names.consumer);
    c.messages = await consumer.consume({ max_messages: MAX_IN_FLIGHT });
    c.loop = c.run();
    return c;
  }

  private async handle(m: JsMsg): Promise<void> {
    const auth = m.headers?.get('Authorization') ?? '';
    const secret = /^Bearer (\S+)$/.exec(auth)?.[1] ?? '';
    const agent =
      secretKind(secret) === 'mwa' ? await this.store.auth.findAgentByCredential(hashSecret(secret)) : null;
    if (!agent || agent.revokedAt !== null) {
      this.stats.refused++;
      this.log('bus batch refused: unknown or revoked agent credential');
      m.term();
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(m.string());
    } catch {
      this.stats.refused++;
      m.term();
      return;
    }
    const parsed = IngestBatchSchema.safeParse(body);
    if (!parsed.success) {
      this.stats.refused++;
      this.log('bus batch refused: schema', { field: parsed.error.issues[0]?.path.join('.') });
      m.term();
      return;
    }
    try {
      await this.ingest.accept(parsed.data, { agentId: agent.id, hostId: agent.hostId }, 'bus');
      m.ack();
      this.stats.committed++;
    } catch (err) {
      if (err instanceof IngestRejected) {
        this.stats.refused++;
        m.term();
        return;
      }
      // The store failed: leave the batch on the stream for a retry here or on another replica.
      this.stats.retried++;
      m.nak(1000);
    }
  }

  private async run(): Promise<void> {
    if (!this.messages) return;
    // Several batches in flight at once, so the store can commit them in one shared transaction; each message is
    // still acked only after its own batch committed.
    const inflight = new Set<Promise<void>>();
    for await (const m of this.messages) {
      // Closing: hand buffered messages straight back so another replica gets them now, not after ack_wait.
      if (this.closing) {
        m.nak();
        continue;
      }
      const p: Promise<void> = this.handle(m)
        .catch(() => {
          // Anything unexpected (the credential lookup failing): leave the batch for a retry.
          this.stats.retried++;
          m.nak(1000);
        })
        .finally(() => inflight.delete(p));
      inflight.add(p);
      if (inflight.size >= MAX_IN_FLIGHT) await Promise.race(inflight);
    }
    await Promise.all(inflight);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.messages?.stop();
    await this.loop?.catch(() => undefined);
    await this.nc.drain().catch(() => undefined);
  }
}
