// bench/ingest: simulated agents -> `minewarden server` (a child process) on SQLite and on PostgreSQL.
// Throughput: 20 agents send pre-built 500-finding batches as fast as the server commits them -> findings/s.
// Latency: open loop at 1,000 requests/s (small batches), latency counted from the scheduled send time -> p50/p99.
// Server RSS sampled throughout. Then a real `minewarden agent` scanning this host: CPU and RSS over MW_BENCH_AGENT_S,
// with default flags, with the deployed node flags, and with the exec feed off; and the machine's process start rate.
// The agent's hourly posture pass runs in the warm-up. Per thread CPU and memory (anonymous / file-backed) printed.
// Env: MW_BENCH_FINDINGS (200000), MW_BENCH_RATE (1000), MW_BENCH_LATENCY_S (10), MW_BENCH_AGENT_S (60),
//      MW_BENCH_PG (postgres://postgres@127.0.0.1:5432/test; "off" to skip), MW_BENCH_ONLY (sqlite|postgres|agent),
//      MW_BENCH_AGENT_RUNS (default,deployed,exec-off: which agent runs),
//      MW_BENCH_AGENT_NODE_FLAGS (node/V8 flags on the agent's command line; empty by default), MW_BENCH_AGENT_METRICS (1: read the
//      agent's V8 heap from its /metrics).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { batchBody } from './batches.mjs';
import {
  cpuSecondsOf,
  cpuSecondsOfCommand,
  enrollAgents,
  rssOf,
  startServer,
  stopServer,
} from './server.mjs';

const FINDINGS = Number(process.env.MW_BENCH_FINDINGS ?? 200_000);
const BATCH = 500;
const AGENTS = 20;
const RATE = Number(process.env.MW_BENCH_RATE ?? 1000);
const LAT_S = Number(process.env.MW_BENCH_LATENCY_S ?? 10);
const AGENT_S = Number(process.env.MW_BENCH_AGENT_S ?? 60);
const PG_URL = process.env.MW_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
// Empty by default; the agent is also measured with the deployed units' heap flags and with the exec feed off.
// On the command line rather than in NODE_OPTIONS, which refuses some V8 flags (--single-threaded-gc).
const AGENT_NODE_FLAGS = process.env.MW_BENCH_AGENT_NODE_FLAGS ?? '';
const ONLY = process.env.MW_BENCH_ONLY ?? 'all';
const AGENT_METRICS = process.env.MW_BENCH_AGENT_METRICS === '1';
// As in deploy/systemd/minewarden-agent.service and deploy/kubernetes/agent-daemonset.yaml.
const DEPLOYED_FLAGS = '--max-semi-space-size=1 --max-old-space-size=64 --v8-pool-size=1';
const bin = fileURLToPath(new URL('../../bin/minewarden', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mw-bench-ingest-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;

// Keep-alive with a bounded socket pool, as a fleet behind a load balancer would look: beyond 64 requests in flight
// they wait in the client, and that wait counts in the open-loop latency.
const agentPool = new http.Agent({ keepAlive: true, maxSockets: 64 });
const errorKinds = new Map();

function post(url, credential, body) {
  const u = new URL('/api/ingest', url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent: agentPool,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${credential}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  }).catch((err) => {
    errorKinds.set(err.message, (errorKinds.get(err.message) ?? 0) + 1);
    throw err;
  });
}

function sampler(pid) {
  let max = 0;
  const t = setInterval(() => {
    try {
      max = Math.max(max, rssOf(pid).rss);
    } catch {}
  }, 100);
  return () => {
    clearInterval(t);
    return { maxRss: max, hwm: rssOf(pid).hwm };
  };
}

async function throughput(s, agents) {
  const perAgent = Math.ceil(FINDINGS / BATCH / agents.length);
  const bodies = agents.map((a) => Array.from({ length: perAgent }, () => batchBody(a.hostId, BATCH)));
  const t0 = performance.now();
  await Promise.all(
    agents.map(async (a, i) => {
      for (const b of bodies[i]) await post(s.url, a.credential, b);
    }),
  );
  const sec = (performance.now() - t0) / 1000;
  const n = perAgent * agents.length * BATCH;
  return { findings: n, seconds: sec, perSecond: n / sec };
}

async function latency(s, agents) {
  const total = RATE * LAT_S;
  const bodies = Array.from({ length: total }, (_, i) => batchBody(agents[i % agents.length].hostId, 5));
  const lat = [];
  let errors = 0;
  const inflight = [];
  const t0 = performance.now();
  // Open loop: request i is due at t0 + i/RATE whether or not earlier ones returned (no coordinated omission).
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const a = agents[i % agents.length];
    inflight.push(
      post(s.url, a.credential, bodies[i]).then(
        () => lat.push(performance.now() - due),
        () => errors++,
      ),
    );
  }
  await Promise.all(inflight);
  const achieved = total / ((performance.now() - t0) / 1000);
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { requests: total, achievedRate: achieved, p50: q(0.5), p99: q(0.99), max: lat.at(-1), errors };
}

/** CPU seconds used so far by the server, by PostgreSQL (every backend on the machine) and by this load generator. */
function cpuNow(pid, withPg) {
  const u = process.cpuUsage();
  return {
    server: cpuSecondsOf(pid),
    pg: withPg ? cpuSecondsOfCommand('postgres') : 0,
    client: (u.user + u.system) / 1e6,
  };
}
const cpuSince = (a, b) => ({ server: b.server - a.server, pg: b.pg - a.pg, client: b.client - a.client });

async function backend(name, db) {
  const s = await startServer(db);
  const withPg = name === 'postgres';
  try {
    const { agents } = await enrollAgents(s, AGENTS);
    const stop = sampler(s.child.pid);
    const c0 = cpuNow(s.child.pid, withPg);
    const tp = await throughput(s, agents);
    const c1 = cpuNow(s.child.pid, withPg);
    const lt = await latency(s, agents);
    const c2 = cpuNow(s.child.pid, withPg);
    const mem = stop();
    const tpCpu = cpuSince(c0, c1);
    const ltCpu = cpuSince(c1, c2);
    console.log(
      `${name.padEnd(9)} ${Math.round(tp.perSecond).toLocaleString('en')} findings/s (${tp.findings.toLocaleString('en')} in ${tp.seconds.toFixed(1)} s) | ` +
        `${lt.requests} req at ${Math.round(lt.achievedRate)}/s: p50 ${lt.p50.toFixed(1)} ms, p99 ${lt.p99.toFixed(1)} ms, max ${lt.max.toFixed(0)} ms, errors ${lt.errors} | ` +
        `server RSS max ${mb(mem.maxRss)} (peak ${mb(mem.hwm)})`,
    );
    // CPU time is what the machine's other load cannot distort: the server's share per finding and per request,
    // and the findings/s one core would sustain for the server (plus PostgreSQL's own work).
    const perCore = tp.findings / (tpCpu.server + tpCpu.pg);
    console.log(
      `          CPU: throughput server ${((tpCpu.server * 1e6) / tp.findings).toFixed(1)} µs/finding` +
        (withPg ? `, postgres ${((tpCpu.pg * 1e6) / tp.findings).toFixed(1)} µs/finding` : '') +
        ` (${Math.round(perCore).toLocaleString('en')} findings per CPU-second), client ${tpCpu.client.toFixed(1)} s | ` +
        `latency phase server ${((ltCpu.server * 1e3) / lt.requests).toFixed(3)} ms/request` +
        (withPg ? `, postgres ${((ltCpu.pg * 1e3) / lt.requests).toFixed(3)} ms/request` : '') +
        `, client ${ltCpu.client.toFixed(1)} s`,
    );
    if (errorKinds.size > 0)
      console.log(`          errors: ${JSON.stringify(Object.fromEntries(errorKinds))}`);
    errorKinds.clear();
    return { name, tp, lt, mem, tpCpu, ltCpu };
  } finally {
    await stopServer(s);
  }
}

async function pgUp() {
  if (PG_URL === 'off') return false;
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

/** Processes started on the whole machine so far (forks, from /proc/stat): what the agent's exec feed has to follow. */
const forksNow = () => Number(/^processes (\d+)/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? 0);

/**
 * utime + stime in seconds of every thread of a process, by thread id, with its name and what it waits in (wchan):
 * Node 20 names no thread, so a thread is told by its place and wait: the main thread first (epoll), then the
 * platform's delayed-task thread (epoll), V8's workers (GC and compiler helpers, --v8-pool-size, futex), libuv's
 * threadpool (fs calls, futex) and the exec reader (netlink, poll).
 */
function threadCpu(pid) {
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const wchan = readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'utf8');
      out.set(Number(tid), { wchan, cpu: (Number(f[11]) + Number(f[12])) / 100, sys: Number(f[12]) / 100 });
    } catch {}
  }
  return out;
}

const waitName = (w) =>
  w.includes('epoll')
    ? 'epoll'
    : w.includes('futex')
      ? 'futex'
      : w.includes('poll')
        ? 'poll'
        : w || 'running';

/** Per thread (in creation order): CPU seconds (and system part) between two threadCpu samples. */
function threadCpuSince(a, b) {
  return [...b]
    .sort((x, y) => x[0] - y[0])
    .map(([tid, t], i) => ({
      name: i === 0 ? 'main' : `t${i}:${waitName(t.wchan)}`,
      cpu: t.cpu - (a.get(tid)?.cpu ?? 0),
      sys: t.sys - (a.get(tid)?.sys ?? 0),
    }));
}

/** Rss, Anonymous and file-backed resident memory from /proc/PID/smaps_rollup, in bytes. */
function smapsRollup(pid) {
  const s = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0) * 1024;
  return { rss: kb('Rss'), anon: kb('Anonymous'), file: kb('Rss') - kb('Anonymous') };
}

/** V8 heap and process memory from the agent's /metrics (nodejs_* gauges), when it serves them. */
async function agentHeap(url) {
  try {
    const text = await (await fetch(url)).text();
    const g = (name) =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN);
    return {
      heapUsed: g('minewarden_agent_nodejs_heap_size_used_bytes'),
      heapTotal: g('minewarden_agent_nodejs_heap_size_total_bytes'),
      external: g('minewarden_agent_nodejs_external_memory_bytes'),
    };
  } catch {
    return null;
  }
}

async function agentSteadyState(label, nodeFlags, configYaml) {
  const s = await startServer(`sqlite:${join(dir, `agent-server-${label}.db`)}`);
  const { token } = await enrollAgents(s, 0);
  // With MW_BENCH_AGENT_METRICS=1 the agent serves /metrics so the bench can read its V8 heap (prom-client and its
  // event-loop monitor then add their own CPU and ~10 MB, so it is off by default).
  const metricsPort = AGENT_METRICS ? 19_000 + (process.pid % 1000) : 0;
  const file = join(dir, `agent-${label}.yaml`);
  writeFileSync(
    file,
    // The hourly posture pass runs during the warm-up (by default it starts 30 s after the agent, inside the window).
    `server: ${s.url}\nposture:\n  firstDelayMs: 5000\n${metricsPort ? `metrics: 127.0.0.1:${metricsPort}\n` : ''}${configYaml ?? ''}`,
  );
  const extra = ['--config', file];
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags.split(' ').filter((f) => f !== ''),
      bin,
      'agent',
      ...extra,
      '--server',
      s.url,
      '--state-dir',
      join(dir, `agent-state-${label}`),
      '--scan-interval',
      '60000',
      '--heartbeat-interval',
      '30000',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, MINEWARDEN_ENROLL_TOKEN: token, NODE_OPTIONS: '' },
    },
  );
  // The agent's log, kept short: shown when it exits before the bench is done with it.
  let errTail = '';
  child.stderr.on('data', (d) => {
    errTail = (errTail + d).slice(-2000);
  });
  const alive = () => {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`agent ${label} exited early (${child.exitCode ?? child.signalCode}): ${errTail}`);
  };
  try {
    // Warm-up: enrollment, first full scan (hashing every executable and reading every swept file once).
    await sleep(20_000);
    alive();
    const t0 = threadCpu(child.pid);
    const c0 = cpuSecondsOf(child.pid);
    const f0 = forksNow();
    const w0 = performance.now();
    let maxRss = 0;
    let sum = 0;
    let n = 0;
    while (performance.now() - w0 < AGENT_S * 1000) {
      await sleep(1000);
      alive();
      const r = rssOf(child.pid).rss;
      maxRss = Math.max(maxRss, r);
      sum += r;
      n++;
    }
    const secs = (performance.now() - w0) / 1000;
    const cpu = ((cpuSecondsOf(child.pid) - c0) / secs) * 100;
    const threads = threadCpuSince(t0, threadCpu(child.pid));
    const sm = smapsRollup(child.pid);
    const heap = metricsPort ? await agentHeap(`http://127.0.0.1:${metricsPort}/metrics`) : null;
    console.log(
      `agent     ${label}: steady state over ${AGENT_S} s (scan every 60 s, heartbeat every 30 s, node flags "${nodeFlags}"): CPU ${cpu.toFixed(2)}% of one core, RSS mean ${mb(sum / n)}, max ${mb(maxRss)}; machine started ${((forksNow() - f0) / secs).toFixed(0)} processes/s`,
    );
    console.log(
      `          threads, % of one core (system part): ${threads
        .filter((t) => t.cpu > 0)
        .map((t) => `${t.name} ${((t.cpu / secs) * 100).toFixed(2)}% (${((t.sys / secs) * 100).toFixed(2)}%)`)
        .join(', ')}; ${threads.length} threads`,
    );
    console.log(
      `          memory at the end: RSS ${mb(sm.rss)} = anonymous ${mb(sm.anon)} + file-backed ${mb(sm.file)}` +
        (heap
          ? `; V8 heap used ${mb(heap.heapUsed)} of ${mb(heap.heapTotal)}, external ${mb(heap.external)}`
          : metricsPort
            ? '; V8 heap: /metrics not reachable'
            : ''),
    );
  } finally {
    // An agent that died early (bad flags) has exited already: waiting for 'exit' would hang the bench.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await stopServer(s);
  }
}

console.log(
  `bench/ingest on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; ${AGENTS} agents, ${BATCH}-finding batches; load average ${load()}`,
);
try {
  if (ONLY === 'all' || ONLY === 'sqlite') await backend('sqlite', `sqlite:${join(dir, 'bench.db')}`);
  if ((ONLY === 'all' || ONLY === 'postgres') && (await pgUp())) {
    const schema = `mwbench_${process.pid}`;
    try {
      await backend('postgres', `${PG_URL}?schema=${schema}`);
    } finally {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    }
  } else if (ONLY === 'all' || ONLY === 'postgres') console.log('postgres  skipped: not reachable');
  if (AGENT_S > 0 && (ONLY === 'all' || ONLY === 'agent')) {
    const runs = (process.env.MW_BENCH_AGENT_RUNS ?? 'default,deployed,exec-off').split(',');
    if (runs.includes('default'))
      await agentSteadyState(AGENT_NODE_FLAGS ? 'flags' : 'default', AGENT_NODE_FLAGS);
    // The deployed units' flags (deploy/, docs/operations.md).
    if (runs.includes('deployed')) await agentSteadyState('deployed flags', DEPLOYED_FLAGS);
    // Without the exec feed: what the periodic scan and shipping cost apart from following process starts.
    if (runs.includes('exec-off'))
      await agentSteadyState('exec off', AGENT_NODE_FLAGS, 'sources:\n  exec: off\n');
  }
  console.log(`load average at the end ${load()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
