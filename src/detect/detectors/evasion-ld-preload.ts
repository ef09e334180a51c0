import type { Detector, RuleMeta } from '../detector.js';
import { writablePathReason } from './exe-writable-path.js';
import { str } from './fields.js';
import { fileEntity, matchingLines } from './file-lines.js';

const meta: RuleMeta = {
  id: 'evasion.ld-preload',
  title: '/etc/ld.so.preload loads a library into every program',
  severity: 'high',
  confidence: 0.8,
  category: 'defense-evasion',
  techniques: ['T1574.006'],
  recommendation:
    'Check each listed library; a process-hiding library makes ps/top lie. Inspect with a static busybox, remove the entry and the library.',
  falsePositives: 'A few memory allocators and monitoring agents are preloaded this way on purpose.',
};

export const evasionLdPreload: Detector = {
  meta,
  kinds: ['file'],
  detect(e) {
    if (str(e, 'file.kind') !== 'ld-preload') return null;
    const lines = matchingLines(str(e, 'file.content') ?? '', () => true);
    if (!lines.length) return null;
    const writable = lines.some((l) =>
      l.text.split(/[\s:]+/).some((p) => p.startsWith('/') && writablePathReason(p)),
    );
    return {
      entity: fileEntity(e),
      evidence: { path: str(e, 'file.path'), lines },
      severity: writable ? 'critical' : 'high',
    };
  },
};
