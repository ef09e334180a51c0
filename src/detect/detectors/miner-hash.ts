import type { Detector, RuleMeta } from '../detector.js';
import { processEntity } from '../entity.js';
import { str } from './fields.js';
import type { MinerHashList } from './miner-hash-list.js';

const meta: RuleMeta = {
  id: 'miner.known-hash',
  title: 'Running executable is a known miner build (SHA-256 on a miner hash list)',
  severity: 'critical',
  confidence: 0.95,
  category: 'impact',
  techniques: ['T1496'],
  recommendation:
    'The binary is a known miner whatever it is called: kill the process, quarantine the file, block its pool and find what started it.',
  falsePositives:
    'Mining that the owner runs on purpose with an unmodified release. A hash list only knows exact builds: a recompiled or packed miner is left to the behaviour detectors.',
};

/**
 * The hash of what a process actually runs (procfs hashes through /proc/PID/exe, so a deleted or replaced file
 * still counts) looked up in the miner hash lists. The finding cites the hash, the family and the source that
 * named it, so an analyst can check the claim.
 */
export function minerKnownHash(list: MinerHashList): Detector {
  return {
    meta,
    kinds: ['process', 'exec'],
    detect(e) {
      const sha256 = str(e, 'process.sha256');
      if (!sha256) return null;
      const m = list.lookup(sha256);
      if (!m) return null;
      return {
        entity: processEntity(e),
        evidence: {
          sha256: m.entry.sha256,
          exe: str(e, 'process.exe') ?? null,
          family: m.entry.family,
          note: m.entry.note,
          source: { id: m.source.id, title: m.source.title, ...(m.source.url ? { url: m.source.url } : {}) },
          list: m.list,
        },
        title: `Known ${m.entry.family} build running (SHA-256 listed by ${m.source.id})`,
      };
    },
  };
}
