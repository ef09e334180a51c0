import type { WarningSink } from '../../model/errors.js';
import type { Listener, ProcessInfo, SocketInfo, Transport } from '../../model/inventory.js';
import { compareText } from '../../util/compare.js';
import { addressScope } from '../../util/ip.js';
import { parseNetTable } from './net.js';
import { errnoOf, readProcBytes } from './read.js';

const TABLES: ReadonlyArray<[string, Transport, 4 | 6]> = [
  ['tcp', 'tcp', 4],
  ['tcp6', 'tcp', 6],
  ['udp', 'udp', 4],
  ['udp6', 'udp', 6],
];

// /proc/net/tcp of a busy host can be many MB; past this the table is cut and a warning says so.
const NET_TABLE_CAP = 64 * 1024 * 1024;

/**
 * Reads the socket tables of every network namespace that a visible process lives in (containers have their own),
 * through /proc/PID/net of one member each, and maps each socket to the pids holding it via their fd links.
 */
export function readSockets(
  procDir: string,
  processes: readonly ProcessInfo[],
  warnings: WarningSink,
  ownNetns: number | null = null,
): { sockets: SocketInfo[]; listeners: Listener[] } {
  const owners = new Map<number, number[]>();
  for (const p of processes) {
    for (const inode of p.socketInodes) {
      const list = owners.get(inode);
      if (list) list.push(p.pid);
      else owners.set(inode, [p.pid]);
    }
  }

  // One directory per namespace; processes whose namespace we cannot see share the reader's own (procDir/net), so
  // that namespace is not read a second time through one of its members (which also listed its TIME_WAIT sockets,
  // inode 0, twice).
  const dirs = new Map<string, number | null>([[`${procDir}/net`, null]]);
  const seenNs = new Set<number>();
  if (ownNetns !== null) seenNs.add(ownNetns);
  for (const p of processes) {
    if (p.netns === null || seenNs.has(p.netns)) continue;
    seenNs.add(p.netns);
    dirs.set(`${procDir}/${p.pid}/net`, p.netns);
  }

  const sockets: SocketInfo[] = [];
  const seenInode = new Set<number>();
  for (const [dir, netns] of dirs) {
    for (const [file, transport, family] of TABLES) {
      const path = `${dir}/${file}`;
      let text: string;
      try {
        const { data, truncated } = readProcBytes(path, NET_TABLE_CAP);
        text = data.toString('latin1');
        if (truncated)
          warnings.add('MW_W_NET_MALFORMED', `socket table over ${NET_TABLE_CAP} bytes was cut`, path);
      } catch (err) {
        const code = errnoOf(err);
        // A process may exit between listing and reading; IPv6 may be disabled. Neither is worth a warning.
        if (code !== 'ENOENT' && code !== 'ESRCH')
          warnings.add('MW_W_NET_UNREADABLE', `cannot read: ${code}`, path);
        continue;
      }
      const { entries, malformed } = parseNetTable(text, transport, family);
      if (malformed > 0) warnings.add('MW_W_NET_MALFORMED', `${malformed} malformed line(s) skipped`, path);
      for (const e of entries) {
        // Inodes are unique host-wide; 0 marks sockets no file refers to any more (TIME_WAIT), kept per table.
        if (e.inode !== 0) {
          if (seenInode.has(e.inode)) continue;
          seenInode.add(e.inode);
        }
        sockets.push({ ...e, pids: owners.get(e.inode) ?? [], netns });
      }
    }
  }
  return { sockets, listeners: listenersOf(sockets) };
}

/** TCP in LISTEN and UDP bound without a peer are what others can reach. */
export function listenersOf(sockets: readonly SocketInfo[]): Listener[] {
  const out: Listener[] = [];
  for (const s of sockets) {
    const listening =
      (s.transport === 'tcp' && s.state === 'LISTEN') ||
      (s.transport === 'udp' && s.state === 'UNCONN' && s.remotePort === 0);
    if (!listening) continue;
    out.push({
      transport: s.transport,
      family: s.family,
      ip: s.localIp,
      port: s.localPort,
      scope: addressScope(s.localIp),
      pids: s.pids,
      inode: s.inode,
    });
  }
  return out.sort((a, b) => a.port - b.port || compareText(a.transport, b.transport));
}
