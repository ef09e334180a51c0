import type { Detector, RuleMeta } from '../detector.js';
import { programsOfLine } from './command-programs.js';
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

/** Programs a line runs from writable or hidden places (arguments such as `rm -rf /tmp/x` do not count). */
export function suspiciousPrograms(line: string, kind: string, path: string): string[] {
  const cron =
    kind === 'cron' &&
    !path.startsWith('/etc/cron.hourly') &&
    !/\/etc\/cron\.(daily|weekly|monthly)\//.test(path);
  // System crontabs have a user field after the schedule; per-user spool files do not.
  const cronUser = cron && (path === '/etc/crontab' || path.startsWith('/etc/cron.d/'));
  return programsOfLine(line, { cron, cronUser }).filter(
    (p) => p.startsWith('/') && writablePathReason(p) !== null,
  );
}

export const persistWritablePath: Detector = {
  meta,
  kinds: ['file'],
  detect(e) {
    const kind = str(e, 'file.kind') ?? '';
    if (!UNATTENDED_KINDS.has(kind)) return null;
    const path = str(e, 'file.path') ?? '';
    const programs = new Set<string>();
    const lines = matchingLines(str(e, 'file.content') ?? '', (l) => {
      const found = suspiciousPrograms(l, kind, path);
      for (const p of found) programs.add(p);
      return found.length > 0;
    });
    if (!lines.length) return null;
    const atBoot = lines.some((l) => /@reboot|ExecStart/.test(l.text));
    return {
      entity: fileEntity(e),
      evidence: { path, fileKind: kind, lines, paths: [...programs] },
      severity: atBoot ? 'critical' : 'high',
    };
  },
};
