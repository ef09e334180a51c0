import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface JournalFollowOptions {
  /** systemd units to read (OpenSSH is ssh.service on Debian, sshd.service elsewhere). */
  units?: readonly string[];
  /** Keep following new records (`-f`, starting now); false reads what the journal holds and exits. */
  follow?: boolean;
  onLine: (line: string) => void;
  onExit?: (code: number | null, stderr: string) => void;
}

/**
 * Reads or follows the systemd journal through `journalctl [-f] -o json`: a child process rather than a binding, so no native
 * module is needed and the journal's own access rules apply. Returns a stop function.
 */
export function followJournal(opts: JournalFollowOptions): () => void {
  const units = opts.units ?? ['ssh.service', 'sshd.service'];
  const head = opts.follow === false ? ['-o', 'json', '--no-pager'] : ['-f', '-o', 'json', '-n', '0'];
  const args = [...head, ...units.flatMap((u) => ['-u', u])];
  const child = spawn('journalctl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4096) stderr += d.toString('utf8');
  });
  const rl = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
  rl.on('line', (l) => {
    // A record is a few KiB at most; anything far larger is not one we can use.
    if (l.length <= 1 << 20) opts.onLine(l);
  });
  child.on('error', (err) => opts.onExit?.(null, err.message));
  child.on('exit', (code) => opts.onExit?.(code, stderr));
  return () => {
    rl.close();
    if (child.exitCode === null) child.kill('SIGTERM');
  };
}
