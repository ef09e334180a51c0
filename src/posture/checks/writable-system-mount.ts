import type { PostureCheck } from './check.js';
import { hit, perContainer } from './containers.js';

/** Container directories the system runs from: whoever writes a volume mounted there decides what the container runs. */
const SYSTEM_DIRS = [
  '/bin',
  '/sbin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib64',
  '/proc',
  '/sys',
  '/usr',
  '/var/run',
  '/run',
];

function isSystemDir(p: string): boolean {
  const n = p.replace(/\/+/g, '/').replace(/\/$/, '') || '/';
  return n === '/' || SYSTEM_DIRS.some((d) => n === d || n.startsWith(`${d}/`));
}

/**
 * A writable volume over /bin, /etc, /usr ... replaces the container's own system files with whatever another pod
 * (or the volume's other users) wrote there: a quiet way to swap a binary for a miner.
 */
export const writableSystemMount: PostureCheck = {
  meta: {
    id: 'posture.container.writable-system-mount',
    title: 'A writable volume is mounted over a system directory of the container',
    severity: 'medium',
    confidence: 0.8,
    category: 'posture',
    techniques: ['T1574', 'T1611'],
    remediation:
      'Mount volumes under an application directory, or set readOnly: true on mounts over system paths.',
    references: ['https://kubernetes.io/docs/concepts/storage/volumes/'],
  },
  run: (a) =>
    perContainer(a, (c, w) =>
      (c.mounts ?? [])
        .filter((m) => isSystemDir(m.mountPath) && m.readOnly?.value !== true)
        .map((m) =>
          hit(w, m.readOnly?.line ?? m.line, [c.line, ...m.lines], `${c.name}:${m.mountPath}:${m.line}`, {
            container: c.name,
            mountPath: m.mountPath,
            volume: m.volume,
            readOnly: m.readOnly ? false : '(not set: writable)',
          }),
        ),
    ),
};
