import type { Detector, RuleMeta } from '../detector.js';
import { str } from './fields.js';
import { fileEntity, matchingLines, RUNNABLE_KINDS, UNATTENDED_KINDS } from './file-lines.js';

const meta: RuleMeta = {
  id: 'persist.download-exec',
  title: 'Persistence that downloads and runs code',
  severity: 'critical',
  confidence: 0.85,
  category: 'persistence',
  techniques: ['T1053.003', 'T1105', 'T1059.004'],
  recommendation:
    'Remove the entry (keep a copy), block the download host, and look for what it installed; reinstall the host if the payload ran as root.',
  falsePositives: 'Self-updating agents that fetch an installer from their vendor in cron; check the URL.',
};

// Fetch piped into a shell, a decoded blob piped into a shell, download-then-execute, and /dev/tcp reverse shells.
const PATTERNS: readonly RegExp[] = [
  /\b(curl|wget|fetch|tftp|lwp-download|busybox\s+wget)\b[^\n]*\|\s*(sudo\s+)?(ba|da|z|k|tc)?sh\b/,
  /\bbase64\s+(-d|--decode|-di)\b[^\n]*\|\s*(ba|da|z)?sh\b/,
  /\b(curl|wget)\b[^\n]*(-o|-O|>)\s*\S+[^;&|\n]*(;|&&)\s*(chmod\s+[+0-7]*x|(ba|da)?sh\s|\.\/|\/tmp\/|\/dev\/shm\/)/,
  /\/dev\/(tcp|udp)\/[^\s/]+\/\d+/,
  /echo\s+['"]?[A-Za-z0-9+/]{60,}={0,2}['"]?\s*\|\s*base64\s+(-d|--decode)/,
];

export const persistDownloadExec: Detector = {
  meta,
  kinds: ['file'],
  detect(e) {
    const kind = str(e, 'file.kind') ?? '';
    if (!RUNNABLE_KINDS.has(kind)) return null;
    const lines = matchingLines(str(e, 'file.content') ?? '', (l) => PATTERNS.some((re) => re.test(l)));
    if (!lines.length) return null;
    return {
      entity: fileEntity(e),
      evidence: { path: str(e, 'file.path'), fileKind: kind, lines },
      severity: UNATTENDED_KINDS.has(kind) ? 'critical' : 'high',
    };
  },
};
