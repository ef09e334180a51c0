// Starts `minewarden server` as a child process and gives the bench an admin session and agent credentials.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/minewarden', import.meta.url));
const nodeArgs = (process.env.MW_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a.length > 0);

export function startServer(db) {
  const child = spawn(
    process.execPath,
    // e.g. MW_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to see where the server's time goes.
    [...nodeArgs, bin, 'server', '--db', db, '--port', '0', '--format', 'json', '-q'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (l) => resolve({ child, ...JSON.parse(l) }));
    child.once('exit', (c) => reject(new Error(`server exited ${c}: ${err}`)));
  });
}

export async function stopServer(s) {
  if (s.child.exitCode !== null) return;
  const done = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await done;
}

/** VmRSS and VmHWM (peak) of a process, in bytes. */
export function rssOf(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** utime + stime of a process in seconds (clock ticks are 100 Hz on Linux). */
export function cpuSecondsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** utime + stime in seconds summed over every process with this command name (e.g. all PostgreSQL backends). */
export function cpuSecondsOfCommand(comm) {
  let sum = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== comm) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      sum += (Number(f[11]) + Number(f[12])) / 100;
    } catch {}
  }
  return sum;
}

export async function enrollAgents(s, n) {
  const login = await fetch(`${s.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: s.firstAdmin.name, password: s.firstAdmin.password }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const et = await fetch(`${s.url}/api/enrollment-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify({ maxUses: n + 1, ttlHours: 1 }),
  });
  const { token } = await et.json();
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${s.url}/api/agents/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, host: { id: `bench-${i}`, name: `bench-${i}` } }),
    });
    const j = await r.json();
    out.push({ hostId: `bench-${i}`, credential: j.credential });
  }
  return { agents: out, token, cookie };
}
