import { randomBytes } from 'node:crypto';
import { connect } from 'nats';
import type { BusNames } from '../../src/agent/bus-stream.js';

/** Stream, consumer and subjects of this test run only, so parallel runs and leftovers never meet. */
export function uniqueBusNames(): BusNames {
  const tag = `${process.pid}_${randomBytes(4).toString('hex')}`;
  return { stream: `MWTEST_${tag}`, consumer: `mwtest-${tag}`, subjectPrefix: `mwtest.${tag}.ingest` };
}

export async function deleteStream(url: string, stream: string): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    await (await nc.jetstreamManager()).streams.delete(stream).catch(() => false);
  } finally {
    await nc.close();
  }
}
