import type { EventFields, TelemetryEvent } from '../../model/event.js';
import type { ProcessInfo, SocketInfo } from '../../model/inventory.js';
import type { HostSnapshot } from './snapshot.js';

/** The fields that name the process behind any event (so every finding can say which process). */
export function processRefFields(p: ProcessInfo | undefined): Record<string, EventFields[string]> {
  if (!p) return {};
  return {
    'process.pid': p.pid,
    'process.name': p.name,
    'process.exe': p.exe,
    'process.user': p.user,
    'process.startTime': p.startTime,
    'process.containerId': p.containerId,
  };
}

export function processEvent(
  hostId: string,
  p: ProcessInfo,
  parent: ProcessInfo | undefined,
  time: number,
): TelemetryEvent {
  return {
    kind: 'process',
    time,
    hostId,
    source: 'procfs',
    // One literal, no spread: V8 keeps it a fast object, which matters at thousands of processes per scan.
    fields: {
      'process.pid': p.pid,
      'process.name': p.name,
      'process.exe': p.exe,
      'process.user': p.user,
      'process.startTime': p.startTime,
      'process.containerId': p.containerId,
      'process.ppid': p.ppid,
      'process.args': p.args,
      'process.commandLine': p.args.join(' '),
      'process.cwd': p.cwd,
      'process.uid': p.uid,
      'process.state': p.state,
      'process.threads': p.threads,
      'process.rssBytes': p.rssBytes,
      'process.cpuPercent': p.cpuPercent,
      'process.cpuSeconds': p.cpuSeconds,
      'process.cpuWaitSeconds': p.cpuWaitSeconds ?? null,
      'process.cpuDemandPercent': p.cpuDemandPercent ?? null,
      'process.exeDeleted': p.exeDeleted,
      'process.exeReplaced': p.exeReplaced,
      'process.exeMemfd': p.exeMemfd,
      'process.sha256': p.sha256,
      'process.kernelThread': p.kernelThread,
      'process.containerRuntime': p.containerRuntime,
      'parent.exe': parent?.exe ?? null,
      'parent.commandLine': parent ? parent.args.join(' ') : null,
    },
  };
}

function socketFields(s: SocketInfo): Record<string, EventFields[string]> {
  return {
    'network.transport': s.transport,
    'network.family': s.family,
    'network.state': s.state,
    'source.ip': s.localIp,
    'source.port': s.localPort,
    'destination.ip': s.remoteIp,
    'destination.port': s.remotePort,
  };
}

/**
 * Turns a snapshot into the events detectors consume: one per process, then one per listener, then one per
 * connection. Listeners come before connections so a detector that weighs a process's connections knows by then
 * whether it also serves.
 */
export function snapshotEvents(snap: HostSnapshot): TelemetryEvent[] {
  return [...eachSnapshotEvent(snap)];
}

/**
 * The same events one at a time, for a scan that hands each to detection and lets it go: built all at once, a
 * large host's events outlive several young-generation collections and are promoted to the old generation, which
 * then grows with every scan of a long-running agent.
 */
export function* eachSnapshotEvent(snap: HostSnapshot): Generator<TelemetryEvent> {
  const hostId = snap.host.id;
  const byPid = new Map<number, ProcessInfo>();
  for (const p of snap.processes) byPid.set(p.pid, p);
  for (const p of snap.processes) yield processEvent(hostId, p, byPid.get(p.ppid), snap.time);

  const listening = new Set(snap.listeners.map((l) => `${l.transport}/${l.port}`));
  const listenerByInode = new Map(snap.listeners.filter((l) => l.inode !== 0).map((l) => [l.inode, l]));
  for (const wantListeners of [true, false]) {
    for (const s of snap.sockets) {
      const listener = listenerByInode.get(s.inode);
      if (!listener && s.remotePort === 0) continue;
      if ((listener !== undefined) !== wantListeners) continue;
      const initiated = !listening.has(`${s.transport}/${s.localPort}`);
      for (const pid of s.pids.length ? s.pids : [undefined]) {
        yield {
          kind: listener ? 'listener' : 'connection',
          time: snap.time,
          hostId,
          source: 'procfs',
          fields: {
            ...socketFields(s),
            ...processRefFields(pid === undefined ? undefined : byPid.get(pid)),
            ...(listener ? { 'listener.scope': listener.scope } : { 'network.initiated': initiated }),
          },
        };
      }
    }
  }
}
