import type { Writable } from 'node:stream';
import { MinewardenError } from '../model/errors.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { type Retention, RetentionSchema } from '../store/types.js';
import { type BuiltServer, buildServer } from './app.js';
import { ensureFirstAdmin } from './bootstrap.js';
import { BusConsumer } from './bus-consumer.js';
import { CloudIngest } from './cloud-ingest.js';
import type { ServerConfig } from './config.js';
import { splitDbSchema } from './db-url.js';

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
  /** The validated `--config` file (sinks, fleet, metrics, bus names). */
  config?: ServerConfig;
}

export interface RunningServer extends BuiltServer {
  store: Store;
  url: string;
  firstAdmin: { name: string; password: string } | null;
  bus: BusConsumer | null;
  /** The server's own cloud-log watch (`cloud` config); null when no directory is given. */
  cloud: CloudIngest | null;
  close(): Promise<void>;
}

/** Opens the store, makes the first admin on an empty database, listens, and runs retention on a timer. */
export async function runServer(opts: RunServerOptions): Promise<RunningServer> {
  // First: a cloud directory that is missing or a file stops the start before anything is opened.
  const cloudWatch = opts.config ? await CloudIngest.openWatcher(opts.config.cloud) : null;
  const { db, schema } = splitDbSchema(opts.db);
  const store = await openStore(db, schema === undefined ? {} : { schema });
  const firstAdmin = await ensureFirstAdmin(store);
  let bus: BusConsumer | null = null;
  const built = await buildServer({
    store,
    busStats: () => bus?.stats ?? null,
    ...(opts.config ? { config: opts.config } : {}),
    ...(opts.version ? { version: opts.version } : {}),
    ...(opts.logStream ? { logStream: opts.logStream } : {}),
  });
  let address: string;
  try {
    address = await built.app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    await built.ctx.sinks.close(0);
    await built.app.close();
    await store.close();
    throw new MinewardenError(
      'MW_USAGE',
      `cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}`,
      { field: '--port' },
    );
  }
  if (opts.bus !== undefined) {
    try {
      bus = await BusConsumer.start(
        opts.bus,
        store,
        built.ctx.ingest,
        (msg, f) => built.app.log.warn(f ?? {}, msg),
        built.ctx.config.bus,
      );
    } catch (err) {
      await built.ctx.sinks.close(0);
      await built.app.close();
      await store.close();
      throw err;
    }
  }
  built.ctx.fleet.start();
  const cloud = cloudWatch
    ? new CloudIngest(
        cloudWatch,
        store,
        built.ctx.ingest,
        built.ctx.config.cloud.intervalMs,
        (level, msg, f) => built.app.log[level](f ?? {}, msg),
      )
    : null;
  cloud?.start();
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
    cloud,
    async close() {
      clearInterval(timer);
      await bus?.close();
      await cloud?.close();
      await built.ctx.fleet.close();
      await built.app.close();
      await built.ctx.sinks.close();
      await store.close();
    },
  };
}
