import { type JetStreamManager, type NatsConnection, nanos, RetentionPolicy, StorageType } from 'nats';

/** The JetStream contract between agents and server replicas. */
export const BUS_STREAM = 'MINEWARDEN_INGEST';
export const BUS_SUBJECT_PREFIX = 'minewarden.ingest';
export const BUS_CONSUMER = 'minewarden-server';
/** Window in which JetStream drops a republished batch with the same msgID (an agent retrying after a lost ack). */
export const BUS_DEDUPE_WINDOW_MS = 10 * 60_000;

export function busSubject(hostId: string): string {
  // Subject tokens cannot hold '.', '*', '>' or spaces; the host id travels in the batch, this is only for routing.
  return `${BUS_SUBJECT_PREFIX}.${hostId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128) || '_'}`;
}

/** Creates the stream when missing; both sides call it, so either may start first. */
export async function ensureStream(nc: NatsConnection): Promise<JetStreamManager> {
  const jsm = await nc.jetstreamManager();
  try {
    await jsm.streams.info(BUS_STREAM);
  } catch {
    await jsm.streams.add({
      name: BUS_STREAM,
      subjects: [`${BUS_SUBJECT_PREFIX}.>`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(BUS_DEDUPE_WINDOW_MS),
      max_msg_size: 16 * 1024 * 1024,
    });
  }
  return jsm;
}
