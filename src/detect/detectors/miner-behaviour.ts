import type { Hit, RuleMeta } from '../detector.js';
import { processEntity } from '../entity.js';
import type { StatefulDetector } from '../stateful.js';
import { type CpuProfile, cpuProfile, isSustained, round2 } from './cpu-profile.js';
import { num, str } from './fields.js';
import { NO_PACKAGE_DB, type PackageOwnership } from './package-ownership.js';

const meta: RuleMeta = {
  id: 'miner.behaviour',
  title:
    'Renamed or recompiled miner: long-lived busy process holding an outbound connection, owned by no package',
  severity: 'high',
  confidence: 0.7,
  category: 'impact',
  techniques: ['T1496', 'T1036'],
  recommendation:
    'Treat it as a miner whatever its name: note the remote address (the pool or proxy), kill the process, quarantine the binary and find what starts it.',
  falsePositives:
    'Self-built, unpackaged services that compute hard and keep one outbound connection (a worker pulling jobs from a queue). "Busy" counts time waiting for a CPU, so on a starved host a chatty unpackaged client can look busy too.',
};

export interface MinerBehaviourOptions {
  packages?: PackageOwnership;
  minSamplePercent?: number;
  minAverageCores?: number;
  /** The process must be at least this old to count as long-lived. */
  minAgeSeconds?: number;
}

interface Candidate {
  profile: CpuProfile;
  entity: Hit['entity'];
  commandLine: string | null;
}

/**
 * What a miner does, not what it is called: it computes without pause for its whole life, keeps one outbound
 * connection to its pool, serves nobody, and no package installed it. Process events come before the socket
 * events of the same snapshot, so a busy process becomes a candidate and its first outbound connection confirms it.
 * A process seen listening is never reported (servers compute and connect too).
 */
export function minerBehaviour(opts: MinerBehaviourOptions = {}): StatefulDetector {
  const packages = opts.packages ?? NO_PACKAGE_DB;
  // A miner wants at least one core by design (demand: running or waiting to run, so contention does not hide
  // it); the margin is for a miner throttled to fewer threads.
  const minSample = opts.minSamplePercent ?? 50;
  const minAverage = opts.minAverageCores ?? 0.5;
  const minAge = opts.minAgeSeconds ?? 15;
  const candidates = new Map<number, Candidate>();
  const listening = new Set<number>();
  const reported = new Map<number, Hit>();
  return {
    meta,
    kinds: ['process', 'connection', 'listener'],
    detect(e) {
      const pid = num(e, 'process.pid');
      if (pid === undefined) return null;
      if (e.kind === 'listener') {
        listening.add(pid);
        return null;
      }
      if (e.kind === 'process') {
        candidates.delete(pid);
        const p = cpuProfile(e);
        if (!p || p.ageSeconds < minAge || !isSustained(p, minSample, minAverage)) return null;
        if (packages.available && packages.ownerOf(p.exe) !== undefined) return null;
        candidates.set(pid, {
          profile: p,
          entity: processEntity(e),
          commandLine: str(e, 'process.commandLine') ?? null,
        });
        return null;
      }
      const c = candidates.get(pid);
      if (!c || listening.has(pid) || reported.has(pid)) return null;
      if (e.fields['network.initiated'] !== true) return null;
      const state = str(e, 'network.state');
      if (state !== undefined && state !== 'ESTABLISHED') return null;
      const hit: Hit = {
        entity: c.entity,
        evidence: {
          exe: c.profile.exe,
          commandLine: c.commandLine,
          cpuPercent: round2(c.profile.samplePercent),
          averageCores: round2(c.profile.averageCores),
          demandPercent: round2(c.profile.demandPercent),
          averageDemandCores: round2(c.profile.averageDemandCores),
          ageSeconds: Math.round(c.profile.ageSeconds),
          remote: `${str(e, 'destination.ip') ?? '?'}:${num(e, 'destination.port') ?? '?'}`,
          packageDb: packages.available ? 'dpkg' : 'none',
        },
        // Without a package database "no owner" is unknown, so the finding is weaker.
        ...(packages.available ? {} : { severity: 'medium' as const, confidence: 0.5 }),
      };
      reported.set(pid, hit);
      return hit;
    },
    snapshot: () => [...reported.values()],
  };
}
