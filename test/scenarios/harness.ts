import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import { type Incident, STAGES } from '../../src/model/incident.js';
import { runCli } from '../helpers/cli.js';

/** A Monero address shape (not a real wallet of anyone's). */
export const WALLET =
  '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';

/** Compiles the stand-in once per source version; concurrent workers race harmlessly through a rename. */
export function standinBinary(): string {
  const src = resolve(import.meta.dirname, 'standin.c');
  const hash = createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12);
  const out = join(tmpdir(), `mw-standin-${hash}`);
  if (existsSync(out)) return out;
  const tmp = `${out}.${process.pid}`;
  execFileSync('cc', ['-O1', '-o', tmp, src, '-lpthread'], { stdio: 'pipe' });
  renameSync(tmp, out);
  return out;
}

export interface ScanOutput {
  findings: Finding[];
  incidents: Incident[];
}

export interface Started {
  pid: number;
  startedAt: number;
}

/**
 * One re-enacted intrusion: a working directory for live stand-ins (`work`), a fake host root for what lies on
 * disk (`root`, with proc/ linked to the real /proc so scan sees the live processes), fake servers on one loopback
 * address of its own, and clean-up of exactly what it started.
 */
export class Scenario {
  readonly work: string;
  readonly root: string;
  private readonly children: ChildProcess[] = [];
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly name: string,
    readonly ip: string,
    opts: { base?: string; hidden?: boolean } = {},
  ) {
    const base = opts.base ?? tmpdir();
    mkdirSync(base, { recursive: true });
    // Dropped payloads live in hidden dirs under /tmp; legitimate software (opts.hidden false) does not.
    const prefix = opts.hidden === false ? 'mwscn-' : '.mwscn-';
    this.work = realpathSync(mkdtempSync(join(base, `${prefix}${name}-`)));
    this.root = join(this.work, 'root');
    mkdirSync(this.root);
    symlinkSync('/proc', join(this.root, 'proc'));
    this.plant(
      'etc/passwd',
      'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n',
    );
    this.plant('etc/hostname', `scenario-${name}\n`);
  }

  /** A file under the fake root (path relative to it). */
  plant(rel: string, content: string | Buffer, mode = 0o644): string {
    const p = join(this.root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    chmodSync(p, mode);
    return `/${rel}`;
  }

  /** A copy of the stand-in at `rel` under the working directory; returns its absolute path. */
  binary(rel: string): string {
    const p = join(this.work, rel);
    mkdirSync(dirname(p), { recursive: true });
    copyFileSync(standinBinary(), p);
    chmodSync(p, 0o755);
    return p;
  }

  /** A package database that owns the usual system programs (and the test runner), but not the scenario's files. */
  dpkg(extra: readonly string[] = []): void {
    const owned = [
      '/usr/bin/dash',
      '/usr/bin/bash',
      '/usr/bin/sleep',
      realpathSync(process.execPath),
      ...extra,
    ];
    this.plant('var/lib/dpkg/info/base-files.list', `/.\n${owned.join('\n')}\n`);
  }

  /**
   * Starts a stand-in. By default it detaches like a dropped payload (its parent becomes pid 1), so the test
   * runner's own ancestry never joins the incident; `attached` keeps it a child of the runner.
   */
  async start(
    exe: string,
    argv: readonly string[],
    env: Record<string, string> = {},
    opts: { attached?: boolean } = {},
  ): Promise<Started> {
    const [argv0, ...args] = argv;
    const startedAt = Date.now();
    const child = spawn(exe, args, {
      argv0: argv0 ?? exe,
      stdio: ['ignore', opts.attached ? 'ignore' : 'pipe', 'ignore'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        MWS_LIFE: '60',
        ...(opts.attached ? {} : { MWS_DAEMON: '1' }),
        ...env,
      },
    });
    this.children.push(child);
    if (opts.attached) {
      if (child.pid === undefined) throw new Error(`${exe} did not start`);
      return { pid: child.pid, startedAt };
    }
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await new Promise<void>((ok, fail) => {
      child.once('error', fail);
      child.once('close', () => ok());
    });
    const pid = Number.parseInt(out.trim(), 10);
    if (!Number.isInteger(pid) || pid <= 1) throw new Error(`${exe} did not report its pid: ${out}`);
    return { pid, startedAt };
  }

  /** A fake pool that answers a stratum login and keeps the connection. */
  async pool(port: number): Promise<Server> {
    return this.listen(port, (s) => {
      s.on('data', (d) => {
        for (const line of d.toString().split('\n')) {
          if (line.includes('"login"'))
            s.write(
              '{"id":1,"jsonrpc":"2.0","error":null,"result":{"id":"1","job":{"blob":"00","job_id":"1","target":"ffff"},"status":"OK"}}\n',
            );
        }
      });
    });
  }

  /** A server that accepts and stays quiet (a database, a web backend). */
  async quiet(port: number): Promise<Server> {
    return this.listen(port, () => {});
  }

  /** A fake IRC server: greets and stays quiet. */
  async irc(port: number): Promise<Server> {
    return this.listen(port, (s) => s.write(':irc.scenario 001 standin :Welcome\r\n'));
  }

  private async listen(port: number, onConn: (s: Socket) => void): Promise<Server> {
    const server = createServer((s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
      onConn(s);
    });
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, this.ip, ok);
    });
    this.servers.push(server);
    return server;
  }

  /** Waits until `n` clients are connected to this scenario's servers. */
  async connected(n: number, timeoutMs = 5000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.sockets.size < n) {
      if (Date.now() > until) throw new Error(`${this.name}: ${this.sockets.size} of ${n} clients connected`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async scan(intervalMs = 500): Promise<ScanOutput & { doneAt: number }> {
    const r = await runCli([
      'scan',
      '--root',
      this.root,
      '--format',
      'json',
      '--interval',
      String(intervalMs),
      '--no-hash',
    ]);
    if (r.code !== 0 && r.code !== 1) throw new Error(`scan exited ${r.code}: ${r.stderr}`);
    return { ...(JSON.parse(r.stdout) as ScanOutput), doneAt: Date.now() };
  }

  /** Findings about this scenario: its processes, its working dir, its loopback address, files swept from its root. */
  own(out: ScanOutput, pids: readonly number[]): Finding[] {
    const mine = new Set(pids);
    return out.findings.filter(
      (f) =>
        (f.entity.pid !== undefined && mine.has(f.entity.pid)) ||
        f.entity.exe?.startsWith(this.work) === true ||
        f.entity.ip === this.ip ||
        // scan sweeps only this scenario's root, so every file finding is about it
        f.entity.kind === 'file',
    );
  }

  /** The incident that holds the finding of `ruleId` on process `pid`. */
  incidentOf(out: ScanOutput, ruleId: string, pid: number): { incident: Incident; findings: Finding[] } {
    const f = out.findings.find((x) => x.ruleId === ruleId && x.entity.pid === pid);
    if (!f) throw new Error(`${this.name}: no ${ruleId} finding on pid ${pid}`);
    const incident = out.incidents.find((i) => i.id === f.incidentId);
    if (!incident) throw new Error(`${this.name}: finding ${f.id} is in no incident`);
    return { incident, findings: out.findings.filter((x) => incident.findings.includes(x.id)) };
  }

  async close(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    // Every process running a binary from this scenario's own working directory was started by it (directly or
    // by one of its stand-ins); nothing else is touched.
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let exe = '';
      try {
        exe = readlinkSync(`/proc/${name}/exe`);
      } catch {
        continue;
      }
      if (exe.startsWith(`${this.work}/`)) {
        try {
          process.kill(Number(name), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    rmSync(this.work, { recursive: true, force: true });
  }
}

/** The incident walks at least these stages, and its stage list is in kill-chain order. */
export function expectStages(incident: Incident | undefined, required: readonly string[]): void {
  expect(incident, 'incident').toBeDefined();
  const stages = incident?.stages ?? [];
  expect(stages).toEqual(expect.arrayContaining([...required]));
  const order = stages.map((st) => STAGES.indexOf(st));
  expect(order).toEqual([...order].sort((a, b) => a - b));
}
