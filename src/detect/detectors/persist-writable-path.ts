import type { Detector, RuleMeta } from '../detector.js';
import { writablePathReason } from './exe-writable-path.js';
import { str } from './fields.js';
import { fileEntity, matchingLines, UNATTENDED_KINDS } from './file-lines.js';

const meta: RuleMeta = {
  id: 'persist.exec-from-writable-path',
  title: 'Scheduled or boot-time entry runs a program from a world-writable or hidden directory',
  severity: 'high',
  confidence: 0.75,
  category: 'persistence',
  techniques: ['T1053.003', 'T1543.002', 'T1564.001'],
  recommendation: 'Remove the entry and the program it starts; find how both were written.',
  falsePositives: 'Cleanup jobs that delete files in /tmp (they mention the path without running from it).',
};

const ABS_PATH = /(?:^|[\s'"=;|&(])(\/[^\s'";|&()]+)/g;
// Commands that merely touch temporary files; a cron line running these is housekeeping, not persistence.
const HOUSEKEEPING = /^\s*(\S+\s+){0,5}(\/usr\/bin\/)?(find|rm|tmpreaper|tmpwatch|systemd-tmpfiles)\b/;

/** Absolute paths in a line that point into writable or hidden places. */
export function suspiciousPaths(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(ABS_PATH)) {
    const p = m[1] ?? '';
    if (writablePathReason(p)) out.push(p);
  }
  return out;
}

export const persistWritablePath: Detector = {
  meta,
  kinds: ['file'],
  detect(e) {
    const kind = str(e, 'file.kind') ?? '';
    if (!UNATTENDED_KINDS.has(kind)) return null;
    const lines = matchingLines(
      str(e, 'file.content') ?? '',
      (l) => !HOUSEKEEPING.test(l) && suspiciousPaths(l).length > 0,
    );
    if (!lines.length) return null;
    const atBoot = lines.some((l) => /@reboot|ExecStart/.test(l.text));
    return {
      entity: fileEntity(e),
      evidence: {
        path: str(e, 'file.path'),
        fileKind: kind,
        lines,
        paths: [...new Set(lines.flatMap((l) => suspiciousPaths(l.text)))],
      },
      severity: atBoot ? 'critical' : 'high',
    };
  },
};
