import { readFileSync } from 'node:fs';
import { D } from './money.js';

/** CPU time the kernel charged to one cgroup (a container), with where it was read. */
export interface CgroupCpu {
  cpuSeconds: number;
  source: 'cgroup2 cpu.stat' | 'cgroup1 cpuacct.usage';
  path: string;
}

function readSmall(path: string): string | null {
  try {
    const t = readFileSync(path, 'utf8');
    return t.length > 64 * 1024 ? null : t;
  } catch {
    return null;
  }
}

/** A cgroup path from /proc/PID/cgroup is attacker-influenced text: it must stay inside the cgroup mount. */
function safeCgroupPath(p: string): string | null {
  if (!p.startsWith('/') || p.length > 4096 || p.includes('\0')) return null;
  if (p.split('/').some((part) => part === '..' || part === '.')) return null;
  return p === '/' ? '' : p.replace(/\/+$/, '');
}

export interface CgroupMembership {
  /** cgroup v2 path (the "0::" line), when present. */
  v2: string | null;
  /** cgroup v1 cpuacct hierarchy: its mount directory name and the path inside it. */
  v1: { controllers: string; path: string } | null;
}

/** Parses /proc/PID/cgroup (cgroups(7)): "hierarchy-ID:controller-list:cgroup-path" per line. */
export function parseCgroupFile(text: string): CgroupMembership {
  const out: CgroupMembership = { v2: null, v1: null };
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, id, controllers = '', rawPath = ''] = m;
    const path = safeCgroupPath(rawPath);
    if (path === null) continue;
    if (id === '0' && controllers === '') out.v2 = path;
    else if (controllers.split(',').includes('cpuacct') && /^[a-z_,]{1,64}$/.test(controllers))
      out.v1 = { controllers, path };
  }
  return out;
}

function usecFromCpuStat(text: string): string | null {
  const m = /^usage_usec (\d{1,20})$/m.exec(text);
  return m?.[1] ?? null;
}

/**
 * CPU seconds of the cgroup a process belongs to, read under `root` (the host's filesystem as mounted for us):
 * cgroup v2 cpu.stat usage_usec, else v1 cpuacct.usage (nanoseconds). Null when neither is readable.
 */
export function readCgroupCpu(root: string, membership: CgroupMembership): CgroupCpu | null {
  const base = `${root === '/' ? '' : root.replace(/\/+$/, '')}/sys/fs/cgroup`;
  if (membership.v2 !== null) {
    const path = `${base}${membership.v2}/cpu.stat`;
    const text = readSmall(path);
    const usec = text ? usecFromCpuStat(text) : null;
    if (usec !== null)
      return { cpuSeconds: new D(usec).div(1e6).toNumber(), source: 'cgroup2 cpu.stat', path };
  }
  if (membership.v1) {
    const dirs = [membership.v1.controllers, 'cpuacct', 'cpu,cpuacct', 'cpuacct,cpu'];
    for (const dir of new Set(dirs)) {
      const path = `${base}/${dir}${membership.v1.path}/cpuacct.usage`;
      const ns = readSmall(path)?.trim();
      if (ns && /^\d{1,20}$/.test(ns))
        return { cpuSeconds: new D(ns).div(1e9).toNumber(), source: 'cgroup1 cpuacct.usage', path };
    }
  }
  return null;
}

/** Convenience: membership from the process's own cgroup file under `procDir`. */
export function readProcessCgroupCpu(root: string, procDir: string, pid: number): CgroupCpu | null {
  const text = readSmall(`${procDir}/${pid}/cgroup`);
  return text === null ? null : readCgroupCpu(root, parseCgroupFile(text));
}
