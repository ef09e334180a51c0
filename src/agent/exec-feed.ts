import { openExecSource } from '../sources/exec/index.js';
import type { ExecSource, ExecSourceStatus } from '../sources/exec/types.js';
import type { ExecHeartbeat } from '../store/types.js';
import type { EventFeed } from './agent.js';

/**
 * The agent detects feed events as they arrive (exec-live.ts) and queues the first finding after a quiet spell at
 * once, so this hand-off is most of the exec-to-queue delay: one second keeps it within the 1-2 s the agent promises
 * while JS wakes at most once a second for the whole batch (a wake-up every few milliseconds cost more CPU than
 * turning the records into events). `/proc` is still read at exec time, so short-lived processes are described.
 */
const AGENT_HANDOFF_MS = 1000;

/** The real-time exec source as an agent feed: short-lived processes between scans reach detection too. */
export function execFeed(hostId: string, prefer: 'netlink' | 'poll', procRoot = '/proc'): EventFeed {
  let src: ExecSource | null = null;
  return {
    name: 'exec',
    start(push) {
      src = openExecSource({ hostId, prefer, procRoot, handoffMs: AGENT_HANDOFF_MS });
      src.start(push);
    },
    async stop() {
      await src?.stop();
    },
    status() {
      return src ? { ...src.status() } : { mode: 'stopped' };
    },
  };
}

function isExecStatus(s: Record<string, unknown>): s is Record<string, unknown> & ExecSourceStatus {
  return (s['mode'] === 'netlink' || s['mode'] === 'poll') && typeof s['dropped'] === 'number';
}

/**
 * What the heartbeat says of the exec source: its mode and, for polling, why (so the fleet sees which hosts miss
 * short-lived droppers). Absent before the feed started.
 */
export function execHeartbeat(feeds: readonly EventFeed[] | undefined): ExecHeartbeat | undefined {
  const feed = feeds?.find((f) => f.name === 'exec');
  if (!feed) return { mode: 'off' };
  const s = feed.status();
  if (!isExecStatus(s)) return undefined;
  return {
    mode: s.mode,
    ...(s.reason ? { reason: s.reason.slice(0, 500) } : {}),
    dropped: s.dropped,
    kernelOverruns: s.kernelOverruns,
    ...(s.error ? { error: s.error.slice(0, 500) } : {}),
  };
}
