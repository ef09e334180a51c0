import type { Severity } from '../../model/severity.js';
import type { Hit, RuleMeta } from '../detector.js';
import { processEntity } from '../entity.js';
import type { StatefulDetector } from '../stateful.js';
import { cpuProfile, round2 } from './cpu-profile.js';
import { writablePathReason } from './exe-writable-path.js';
import { NO_PACKAGE_DB, type PackageOwnership } from './package-ownership.js';

const meta: RuleMeta = {
  id: 'miner.cpu-sustained',
  title: 'Sustained high CPU by a new, unpackaged or writable-path program',
  severity: 'medium',
  confidence: 0.55,
  category: 'impact',
  techniques: ['T1496'],
  recommendation:
    'Check what the program is and who started it; if nobody can name it, treat it as a miner: kill it, quarantine the binary and look for its persistence.',
  falsePositives:
    'Builds, encoders, scientific jobs and self-installed services (in /opt, a home directory) that run hot for long stretches.',
};

export interface CpuSustainedOptions {
  packages?: PackageOwnership;
  /** Percent of one core in the current sample. */
  minSamplePercent?: number;
  /** Cores on average since start, for a process seen once. */
  minAverageCores?: number;
  /** How long the CPU must have been high (observed or implied by the average). */
  windowSeconds?: number;
  /** A process younger than this is "new". */
  newSeconds?: number;
}

interface State {
  highSince: number;
}

/**
 * High CPU that lasts, from a program that gives a reason to look: it started recently, no package owns it, or it
 * runs from a world-writable or hidden directory. Across repeated samples (the agent) the duration is observed; in
 * one scan it is implied by the average since start. Severity follows the strongest reason.
 */
export function minerCpuSustained(opts: CpuSustainedOptions = {}): StatefulDetector {
  const packages = opts.packages ?? NO_PACKAGE_DB;
  const minSample = opts.minSamplePercent ?? 50;
  const minAverage = opts.minAverageCores ?? 0.5;
  const windowMs = (opts.windowSeconds ?? 10) * 1000;
  const newMs = (opts.newSeconds ?? 3600) * 1000;
  const state = new Map<string, State>();
  const reported = new Map<string, Hit>();
  return {
    meta,
    kinds: ['process'],
    detect(e) {
      const p = cpuProfile(e);
      if (!p) return null;
      const key = `${p.pid}:${String(e.fields['process.startTime'])}`;
      // Demand (running or runnable), not the share it got: contention must not hide a CPU-bound process.
      if (p.demandPercent < minSample) {
        state.delete(key);
        return null;
      }
      let st = state.get(key);
      if (!st) {
        st = { highSince: e.time };
        state.set(key, st);
      }
      const impliedMs = p.averageDemandCores >= minAverage ? p.ageSeconds * 1000 : 0;
      const sustainedMs = Math.max(e.time - st.highSince, impliedMs);
      if (sustainedMs < windowMs) return null;
      const writable = writablePathReason(p.exe);
      const owner = packages.available ? packages.ownerOf(p.exe) : undefined;
      const unpackaged = packages.available && owner === undefined;
      const isNew = p.ageSeconds * 1000 < newMs;
      if (!writable && !unpackaged && !isNew) return null;
      const severity: Severity = writable ? 'high' : unpackaged ? 'medium' : 'low';
      const hit: Hit = {
        entity: processEntity(e),
        evidence: {
          exe: p.exe,
          cpuPercent: round2(p.samplePercent),
          averageCores: round2(p.averageCores),
          demandPercent: round2(p.demandPercent),
          averageDemandCores: round2(p.averageDemandCores),
          sustainedSeconds: Math.round(sustainedMs / 1000),
          ageSeconds: Math.round(p.ageSeconds),
          reasons: [
            ...(writable ? ['writable-path'] : []),
            ...(unpackaged ? ['unpackaged'] : []),
            ...(isNew ? ['new'] : []),
          ],
          packageDb: packages.available ? 'dpkg' : 'none',
          commandLine: e.fields['process.commandLine'] ?? null,
        },
        severity,
        confidence: writable ? 0.7 : unpackaged ? 0.55 : 0.4,
      };
      reported.set(key, hit);
      return hit;
    },
    snapshot: () => [...reported.values()],
  };
}
