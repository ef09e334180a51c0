import type { Detector, RuleMeta } from '../detector.js';
import { processEntity } from '../entity.js';
import { bool, str } from './fields.js';

// World-writable places droppers use because any compromised account can write there; /dev/shm is also RAM-only.
const WRITABLE_DIRS = ['/tmp/', '/var/tmp/', '/dev/shm/', '/run/shm/', '/var/run/shm/'];

const meta: RuleMeta = {
  id: 'proc.exe.writable-path',
  title: 'Program running from a world-writable or hidden directory',
  severity: 'high',
  confidence: 0.7,
  category: 'execution',
  techniques: ['T1105', 'T1564.001'],
  recommendation:
    'Identify how the file got there (parent process, cron, web shell); kill the process, quarantine the file and remove its persistence.',
  falsePositives:
    'Installers and test runners that unpack helpers into /tmp; per-user tools kept in dot-directories such as ~/.local or ~/.cargo.',
};

// Dot-directories of well-known developer tools; a binary there is ordinary.
const KNOWN_DOT_DIRS = new Set([
  '.local',
  '.cargo',
  '.rustup',
  '.nvm',
  '.npm',
  '.pyenv',
  '.vscode-server',
  '.cache',
  '.sdkman',
  '.bun',
  '.deno',
  '.volta',
  '.gradle',
  '.m2',
]);

/** Why `exe` is suspicious, or null: a writable system directory, or a hidden path component. */
export function writablePathReason(exe: string): { dir?: string; hidden?: string } | null {
  const dir = WRITABLE_DIRS.find((d) => exe.startsWith(d));
  const parts = exe.split('/');
  const hidden = parts
    .slice(1, -1)
    .find((p) => p.startsWith('.') && p !== '.' && p !== '..' && !KNOWN_DOT_DIRS.has(p));
  if (!dir && !hidden) return null;
  return { ...(dir ? { dir } : {}), ...(hidden ? { hidden } : {}) };
}

export const exeWritablePath: Detector = {
  meta,
  kinds: ['process', 'exec'],
  detect(e) {
    const exe = str(e, 'process.exe');
    if (!exe || bool(e, 'process.exeMemfd')) return null;
    const reason = writablePathReason(exe);
    if (!reason) return null;
    return {
      entity: processEntity(e),
      evidence: {
        exe,
        ...(reason.dir ? { writableDir: reason.dir } : {}),
        ...(reason.hidden ? { hiddenDir: reason.hidden } : {}),
        commandLine: str(e, 'process.commandLine') ?? null,
      },
      severity: reason.dir && reason.hidden ? 'critical' : 'high',
    };
  },
};
