import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const bin = resolve(import.meta.dirname, '../../bin/minewarden');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  firstAdmin: { name: string; password: string } | null;
}

/** Starts `minewarden server` as a real child process (so a test can kill -9 it) and waits for its URL. */
export function startServerProcess(args: string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, [bin, 'server', '--format', 'json', '-q', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d) => {
    err += String(d);
  });
  return new Promise((res, rej) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (line) => {
      const info = JSON.parse(line) as { url: string; firstAdmin: ServerProcess['firstAdmin'] };
      res({ child, url: info.url, firstAdmin: info.firstAdmin });
    });
    child.once('exit', (code) => rej(new Error(`server exited ${code}: ${err}`)));
  });
}

export function killHard(p: ServerProcess): Promise<void> {
  return new Promise((res) => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) return res();
    p.child.once('exit', () => res());
    p.child.kill('SIGKILL');
  });
}
