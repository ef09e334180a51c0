import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MinewardenError, type Warning } from '../../model/errors.js';
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
  const live = path.resolve(o.root) === '/';
  if (!live && !existsSync(path.join(o.root, 'proc'))) {
    // A disk image or a copied /etc: configuration checks still apply, listeners cannot be seen.
    if (!existsSync(o.root))
      throw new MinewardenError('MW_ROOT_INVALID', `cannot use ${o.root} as root: no such directory`, {
        field: '--root',
      });
    const name =
      readFileText(path.join(o.root, 'etc/hostname'))?.trim() || path.basename(path.resolve(o.root));
    return {
      facts: collectHostFacts({ root: o.root }),
      warnings: [
        {
          code: 'MW_W_POSTURE_SKIPPED',
          message: `no proc/ under ${o.root}: listeners and processes were not read`,
          path: o.root,
        },
      ],
      hostName: name,
      hostId: name,
    };
  }
  const snap = await takeSnapshot({ root: o.root, sampleMs: 0, hash: false });
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

function readFileText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
