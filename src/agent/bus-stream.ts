import { type JetStreamManager, type NatsConnection, nanos, RetentionPolicy, StorageType } from 'nats';

/** The JetStream contract between agents and server replicas. */
export const BUS_STREAM = 'MINEWARDEN_INGEST';
export const BUS_SUBJECT_PREFIX = 'minewarden.ingest';
export const BUS_CONSUMER = 'minewarden-server';
/** Window in which JetStream drops a republished batch with the same msgID (an agent retrying after a lost ack). */
export const BUS_DEDUPE_WINDOW_MS = 10 * 60_000;

/** Stream, durable consumer and subject prefix; distinct names keep deployments (and parallel test runs) apart. */
export interface BusNames {
  stream: string;
  consumer: string;
  subjectPrefix: string;
}

export const DEFAULT_BUS_NAMES: Readonly<BusNames> = Object.freeze({
  stream: BUS_STREAM,
  consumer: BUS_CONSUMER,
  subjectPrefix: BUS_SUBJECT_PREFIX,
});

export function busSubject(hostId: string, prefix = BUS_SUBJECT_PREFIX): string {
  // Subject tokens cannot hold '.', '*', '>' or spaces; the host id travels in the batch, this is only for routing.
  return `${prefix}.${hostId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128) || '_'}`;
}

/** Creates the stream when missing; both sides call it, so either may start first. */
export async function ensureStream(
  nc: NatsConnection,
  names: Pick<BusNames, 'stream' | 'subjectPrefix'> = DEFAULT_BUS_NAMES,
): Promise<JetStreamManager> {
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.streams.info(names.stream);
  } catch {
    await jsm.streams.add({
      name: names.stream,
      subjects: [`${names.subjectPrefix}.>`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(BUS_DEDUPE_WINDOW_MS),
      max_msg_size: 16 * 1024 * 1024,
    });
  }
  return jsm;
}
