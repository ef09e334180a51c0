import { basename, dirname } from 'node:path';
import type { Finding } from '../../model/finding.js';

/** Strings that tie a persistence entry to this intrusion: the binary, its hidden dir, the pool, the wallet. */
export interface Indicators {
  values: string[];
}

/** Names too common to mean anything in a cron line or rc file. */
const COMMON = new Set([
  'bash',
  'sh',
  'dash',
  'zsh',
  'python',
  'python3',
  'perl',
  'node',
  'java',
  'ruby',
  'php',
  'curl',
  'wget',
  'busybox',
  'sleep',
  'nohup',
  'env',
  'init',
  'systemd',
  'cron',
  'crond',
  'sshd',
  'docker',
  'containerd',
]);

/** Directories where dropped binaries live; the dir is an indicator only inside one of these. */
const DROP_DIRS = /^\/(tmp|var\/tmp|dev\/shm|run\/user\/\d+|var\/run|run)\/|\/\.[^/]+\//;

export function indicatorsFor(
  exes: readonly string[],
  findings: readonly Finding[],
  args: readonly string[][],
): Indicators {
  const out = new Set<string>();
  for (const exe of exes) {
    out.add(exe);
    const base = basename(exe);
    if (base.length >= 5 && !COMMON.has(base)) out.add(base);
    const dir = `${dirname(exe)}/`;
    if (DROP_DIRS.test(dir) && dir.split('/').length > 3) out.add(dir.slice(0, -1));
  }
  const addEndpoint = (v: unknown): void => {
    if (typeof v !== 'string') return;
    const m = /^(?:[a-z0-9+]+:\/\/)?([^\s/:]+:\d{2,5})/i.exec(v);
    if (m?.[1] && !m[1].startsWith('?')) out.add(m[1]);
  };
  const addArgs = (argv: readonly string[]): void => {
    for (let i = 0; i < argv.length - 1; i++) {
      const a = argv[i];
      const v = argv[i + 1] ?? '';
      if (a === '-o' || a === '--url') addEndpoint(v);
      if ((a === '-u' || a === '--user') && v.length >= 20) out.add(v);
    }
  };
  for (const argv of args) addArgs(argv);
  for (const f of findings) {
    const ev = f.evidence;
    if (f.ruleId.startsWith('net.')) addEndpoint(ev.remote);
    if (typeof ev.commandLine === 'string') addArgs(ev.commandLine.split(/\s+/));
  }
  return { values: [...out].filter((v) => v.length >= 5) };
}

export function matchIndicator(text: string, ind: Indicators): string | null {
  for (const v of ind.values) if (text.includes(v)) return v;
  return null;
}
