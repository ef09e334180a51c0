import path from 'node:path';
import type { BindScope, Listener, ProcessInfo } from '../../model/inventory.js';
import type { ProbeKind, ProbeTarget } from './probes.js';

/** A listener with its owning process and the service it was identified as. */
export interface ExposedListener {
  transport: 'tcp' | 'udp';
  ip: string;
  port: number;
  scope: BindScope;
  pid: number | undefined;
  exe: string | undefined;
  processName: string | undefined;
  user: string | undefined;
  service: string | undefined;
}

/** Services identified from the process first (ports lie), then from the well-known port. */
const BY_PROCESS: [RegExp, string][] = [
  [/^sshd$/, 'sshd'],
  [/^dockerd$/, 'dockerd'],
  [/^redis-server$/, 'redis'],
  [/^kubelet$/, 'kubelet'],
  [/^etcd$/, 'etcd'],
  [/^mongod$/, 'mongodb'],
  [/^salt-master$/, 'saltstack'],
  [/^jupyter(-notebook|-lab)?$/, 'jupyter'],
];
const BY_JAVA_ARGS: [RegExp, string][] = [
  [/weblogic/i, 'weblogic'],
  [/confluence/i, 'confluence'],
  [/activemq/i, 'activemq'],
  [/org\.elasticsearch|elasticsearch/i, 'elasticsearch'],
  [/ResourceManager|hadoop-yarn/i, 'hadoop-yarn'],
];
const BY_PORT: Record<number, string> = {
  22: 'sshd',
  2375: 'dockerd',
  2376: 'dockerd',
  6379: 'redis',
  10250: 'kubelet',
  10255: 'kubelet',
  2379: 'etcd',
  27017: 'mongodb',
  9200: 'elasticsearch',
  7001: 'weblogic',
  8090: 'confluence',
  8088: 'hadoop-yarn',
  61616: 'activemq',
  4505: 'saltstack',
  4506: 'saltstack',
  8888: 'jupyter',
};

export function identifyService(port: number, proc: ProcessInfo | undefined): string | undefined {
  if (proc) {
    const name = proc.exe ? path.basename(proc.exe) : proc.name;
    for (const [re, svc] of BY_PROCESS) if (re.test(name) || re.test(proc.name)) return svc;
    if (/java|python/.test(name)) {
      const args = proc.args.join(' ');
      for (const [re, svc] of BY_JAVA_ARGS) if (re.test(args)) return svc;
      if (/jupyter/.test(args)) return 'jupyter';
    }
  }
  return BY_PORT[port];
}

export function exposedListeners(
  listeners: readonly Listener[],
  processes: readonly ProcessInfo[],
): ExposedListener[] {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  return listeners.map((l) => {
    const proc = l.pids.map((p) => byPid.get(p)).find((p) => p !== undefined);
    return {
      transport: l.transport,
      ip: l.ip,
      port: l.port,
      scope: l.scope,
      pid: proc?.pid ?? l.pids[0],
      exe: proc?.exe ?? undefined,
      processName: proc?.name,
      user: proc?.user ?? undefined,
      service: identifyService(l.port, proc),
    };
  });
}

const PROBES: Record<string, (port: number) => ProbeKind | undefined> = {
  redis: () => 'redis',
  dockerd: (port) => (port === 2376 ? undefined : 'docker'),
  kubelet: (port) => (port === 10255 ? 'kubelet-readonly' : 'kubelet'),
  etcd: () => 'etcd',
};

/**
 * Which listeners to probe, and where: a wildcard or loopback bind is reached on loopback; a listener bound only to
 * an outside address is not probed (that would be a network scan).
 */
export function probeTargets(listeners: readonly ExposedListener[]): ProbeTarget[] {
  const out = new Map<string, ProbeTarget>();
  for (const l of listeners) {
    if (l.transport !== 'tcp' || !l.service) continue;
    const kind = PROBES[l.service]?.(l.port);
    if (!kind) continue;
    let host: '127.0.0.1' | '::1' | undefined;
    if (l.ip === '0.0.0.0' || l.ip.startsWith('127.')) host = '127.0.0.1';
    else if (l.ip === '::' || l.ip === '::1') host = l.ip === '::1' ? '::1' : '127.0.0.1';
    if (!host) continue;
    out.set(`${kind}:${l.port}`, { kind, host, port: l.port });
  }
  return [...out.values()];
}
