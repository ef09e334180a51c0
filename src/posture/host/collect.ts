import type { HostFacts } from '../assets.js';
import { readDockerEndpoints, readRedisConfigs } from './services.js';
import { readSshdConfig, sshdEffective } from './sshd.js';
import { findWorldWritable } from './writable.js';

export interface HostCollectOptions {
  /** Filesystem root to read ('/' for the live host). */
  root: string;
  /** Ask sshd itself (`sshd -T`); only meaningful for the live host. */
  useSshdT?: boolean;
  dockerdArgs?: { args: string[]; source: string };
}

export function collectHostFacts(o: HostCollectOptions): HostFacts {
  const base = readSshdConfig(o.root);
  return {
    root: o.root,
    sshd: base && o.useSshdT ? sshdEffective(base) : base,
    docker: readDockerEndpoints(o.root, o.dockerdArgs),
    redis: readRedisConfigs(o.root),
    writable: findWorldWritable(o.root),
    listeners: [],
    probes: [],
    portChanges: [],
  };
}
