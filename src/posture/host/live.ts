import path from 'node:path';
import type { Warning } from '../../model/errors.js';
import { takeSnapshot } from '../../sources/procfs/index.js';
import type { HostFacts } from '../assets.js';
import { collectHostFacts } from './collect.js';
import { exposedListeners, probeTargets } from './exposure.js';
import { runProbes } from './probes.js';

export interface LiveHostOptions {
  root: string;
  /** Probe our own listeners on loopback; only for the live host (root "/"). */
  probe: boolean;
  probeTimeoutMs?: number;
}

/** Files, listeners (procfs), and for the live host `sshd -T` and loopback probes. */
export async function collectLiveHost(
  o: LiveHostOptions,
): Promise<{ facts: HostFacts; warnings: Warning[]; hostName: string; hostId: string }> {
  const snap = await takeSnapshot({ root: o.root, sampleMs: 0, hash: false });
  const live = path.resolve(o.root) === '/';
  const dockerd = snap.processes.find((p) => p.exe !== null && path.basename(p.exe) === 'dockerd');
  const facts = collectHostFacts({
    root: o.root,
    useSshdT: live,
    ...(dockerd ? { dockerdArgs: { args: dockerd.args, source: `/proc/${dockerd.pid}/cmdline` } } : {}),
  });
  facts.listeners = exposedListeners(snap.listeners, snap.processes);
  if (o.probe && live) facts.probes = await runProbes(probeTargets(facts.listeners), o.probeTimeoutMs);
  return { facts, warnings: snap.warnings, hostName: snap.host.name, hostId: snap.host.id };
}
