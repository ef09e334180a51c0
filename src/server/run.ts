import type { Writable } from 'node:stream';
import { MinewardenError } from '../model/errors.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { type Retention, RetentionSchema } from '../store/types.js';
import { type BuiltServer, buildServer } from './app.js';
import { ensureFirstAdmin } from './bootstrap.js';
import { BusConsumer } from './bus-consumer.js';

export interface RunServerOptions {
  db: string;
  host: string;
  port: number;
  /** NATS URL; batches published by agents on the bus are consumed too. */
  bus?: string;
  version?: string;
  logStream?: Writable;
  retention?: Partial<Retention>;
  /** How often retention runs; default hourly. */
  retentionEveryMs?: number;
}

export interface RunningServer extends BuiltServer {
  store: Store;
  url: string;
  firstAdmin: { name: string; password: string } | null;
  bus: BusConsumer | null;
  close(): Promise<void>;
}

/** Opens the store, makes the first admin on an empty database, listens, and runs retention on a timer. */
export async function runServer(opts: RunServerOptions): Promise<RunningServer> {
  const store = await openStore(opts.db);
  const firstAdmin = await ensureFirstAdmin(store);
  const built = await buildServer({
    store,
    ...(opts.version ? { version: opts.version } : {}),
    ...(opts.logStream ? { logStream: opts.logStream } : {}),
  });
  let address: string;
  try {
    address = await built.app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    await built.app.close();
    await store.close();
    throw new MinewardenError(
      'MW_USAGE',
      `cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}`,
      { field: '--port' },
    );
  }
  let bus: BusConsumer | null = null;
  if (opts.bus !== undefined) {
    try {
      bus = await BusConsumer.start(opts.bus, store, built.ctx.ingest, (msg, f) =>
        built.app.log.warn(f ?? {}, msg),
      );
    } catch (err) {
      await built.app.close();
      await store.close();
      throw err;
    }
  }
  const policy = RetentionSchema.parse(opts.retention ?? {});
  const timer = setInterval(() => {
    store
      .applyRetention(policy, new Date())
      .catch((err: unknown) => built.app.log.error({ err }, 'retention failed'));
  }, opts.retentionEveryMs ?? 3_600_000);
  timer.unref();
  return {
    ...built,
    store,
    url: address.replace('0.0.0.0', '127.0.0.1'),
    firstAdmin,
    bus,
    async close() {
      clearInterval(timer);
      await bus?.close();
      await built.app.close();
      await store.close();
    },
  };
}
