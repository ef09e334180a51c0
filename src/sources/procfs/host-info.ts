import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { arch, hostname } from 'node:os';
import type { Host } from '../../model/host.js';

function readTrim(path: string): string | null {
  try {
    const t = readFileSync(path, 'utf8').trim();
    return t === '' ? null : t;
  } catch {
    return null;
  }
}

/** Epoch ms of boot from /proc/stat btime; 0 when unknown (start times then count from boot). */
export function readBootTimeMs(procDir: string): number {
  const text = readTrim(`${procDir}/stat`);
  const m = text ? /^btime\s+(\d+)$/m.exec(text) : null;
  return m ? Number(m[1]) * 1000 : 0;
}

/** Total and idle jiffies of the host from /proc/stat's first line, for host CPU %. */
export function readHostCpuTicks(procDir: string): { total: number; idle: number } | null {
  const text = readTrim(`${procDir}/stat`);
  const line = text?.split('\n', 1)[0];
  if (!line?.startsWith('cpu ')) return null;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  if (v.length < 4 || v.some((x) => !Number.isFinite(x))) return null;
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { total, idle: (v[3] ?? 0) + (v[4] ?? 0) };
}

function osName(root: string): string | undefined {
  const text = readTrim(`${root}/etc/os-release`) ?? readTrim(`${root}/usr/lib/os-release`);
  const m = text ? /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text) : null;
  return m?.[1];
}

/**
 * Who this host is. The id is the systemd machine-id (stable across reboots and renames); without one, a hash of the
 * host name, which is the best a bare container offers.
 */
export function readHostInfo(root: string, procDir: string, live: boolean): Host {
  const name = readTrim(`${root}/etc/hostname`) ?? (live ? hostname() : 'unknown');
  const machineId = readTrim(`${root}/etc/machine-id`) ?? readTrim(`${root}/var/lib/dbus/machine-id`);
  const id = machineId ?? `name-${createHash('sha256').update(name).digest('hex').slice(0, 16)}`;
  const host: Host = { id, name };
  const os = osName(root);
  if (os) host.os = os;
  const kernel = readTrim(`${procDir}/sys/kernel/osrelease`);
  if (kernel) host.kernel = kernel;
  if (live) host.arch = arch();
  const cpuinfo = readTrim(`${procDir}/cpuinfo`);
  if (cpuinfo) {
    const cpus = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;
    if (cpus > 0) host.cpus = cpus;
  }
  const mem = readTrim(`${procDir}/meminfo`);
  const m = mem ? /^MemTotal:\s+(\d+)\s*kB/m.exec(mem) : null;
  if (m) host.memoryBytes = Number(m[1]) * 1024;
  const boot = readBootTimeMs(procDir);
  if (boot > 0) host.bootTime = new Date(boot).toISOString();
  const selfCgroup = readTrim(`${procDir}/1/cgroup`);
  if (selfCgroup && /docker|kubepods|containerd|libpod|lxc/.test(selfCgroup)) host.container = 'yes';
  return host;
}
