import { openExecSource } from '../sources/exec/index.js';
import type { ExecSource } from '../sources/exec/types.js';
import type { EventFeed } from './agent.js';

/** The real-time exec source as an agent feed: short-lived processes between scans reach detection too. */
export function execFeed(hostId: string, prefer: 'netlink' | 'poll', procRoot = '/proc'): EventFeed {
  let src: ExecSource | null = null;
  return {
    name: 'exec',
    start(push) {
      src = openExecSource({ hostId, prefer, procRoot });
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
