import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/model/finding.js';
import { runCli } from '../helpers/cli.js';
import { FakeRoot } from '../helpers/fake-proc.js';

const DIR = '/dev/shm/.x';
const EXE = `${DIR}/kdevtmpfsi`;
const WALLET =
  '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';
const MINER_ARGS = ['-o', 'stratum+tcp://127.0.0.1:3333', '-u', WALLET, '--donate-level', '1'];

/**
 * A harmless miner stand-in: a copy of bash in /dev/shm/.x that opens a TCP connection to the fake pool and blocks
 * reading it. Its argv carries the miner options (bash ignores positional parameters after the script).
 */
function startStandIn(argv0: string, comm?: string): ChildProcess {
  const setComm = comm ? `printf '%s' '${comm}' > /proc/$$/comm; ` : '';
  const script = `${setComm}exec 3<>/dev/tcp/127.0.0.1/3333 || exit 9; read -r -u 3 line`;
  return spawn(EXE, ['-c', script, argv0, ...MINER_ARGS], { argv0, stdio: 'ignore' });
}

async function waitForConnection(pool: Set<Socket>, n: number): Promise<void> {
  for (let i = 0; i < 200 && pool.size < n; i++) await new Promise((r) => setTimeout(r, 25));
  if (pool.size < n) throw new Error('stand-in never connected to the fake pool');
}

interface ScanOut {
  findings: Finding[];
  incidents: Array<{
    id: string;
    stages: string[];
    findings: string[];
    attribution: Array<{ group: string }>;
  }>;
  host: { id: string };
}

async function scanJson(): Promise<ScanOut> {
  const r = await runCli(['scan', '--format', 'json', '--interval', '0', '--no-hash']);
  expect([0, 1]).toContain(r.code);
  return JSON.parse(r.stdout) as ScanOut;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('exit', () => r());
  });
}

describe('scan finds a miner stand-in', () => {
  let pool: Server;
  const clients = new Set<Socket>();

  beforeAll(async () => {
    mkdirSync(DIR, { recursive: true });
    // Copy then rename: replacing a binary that another run is executing must not fail with ETXTBSY.
    copyFileSync('/bin/bash', `${EXE}.${process.pid}`);
    renameSync(`${EXE}.${process.pid}`, EXE);
    pool = createServer((s) => {
      clients.add(s);
      s.on('close', () => clients.delete(s));
      s.on('error', () => {});
    });
    await new Promise<void>((resolve, reject) => {
      pool.once('error', reject);
      pool.listen(3333, '127.0.0.1', resolve);
    });
  });

  afterAll(async () => {
    for (const s of clients) s.destroy();
    await new Promise<void>((r) => pool.close(() => r()));
    rmSync(DIR, { recursive: true, force: true });
  });

  for (const variant of [
    { label: 'named kdevtmpfsi', argv0: 'kdevtmpfsi', comm: undefined },
    { label: 'renamed kworker/0:1', argv0: 'kworker/0:1', comm: 'kworker/0:1' },
  ]) {
    it(`reports location, command line and pool port on the pid (${variant.label}); gone when the process is`, async () => {
      const child = startStandIn(variant.argv0, variant.comm);
      try {
        await waitForConnection(clients, 1);
        const pid = child.pid!;
        if (variant.comm) expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe(variant.comm);

        const { findings, incidents } = await scanJson();
        const mine = findings.filter((f) => f.entity.pid === pid);
        const rules = new Set(mine.map((f) => f.ruleId));
        expect(rules).toContain('proc.exe.writable-path');
        expect(rules).toContain('miner.cmdline');
        expect(rules).toContain('net.miner-port');
        expect(rules.size).toBeGreaterThanOrEqual(3);
        if (variant.comm) expect(rules).toContain('proc.masquerade.kernel-thread');
        for (const f of mine) expect(f.entity.exe).toBe(EXE);

        const cmd = mine.find((f) => f.ruleId === 'miner.cmdline')!;
        expect(String(cmd.evidence.commandLine)).toContain(
          `-o stratum+tcp://127.0.0.1:3333 -u ${WALLET} --donate-level 1`,
        );
        expect(mine.find((f) => f.ruleId === 'proc.exe.writable-path')?.evidence).toMatchObject({
          exe: EXE,
          writableDir: '/dev/shm/',
          hiddenDir: '.x',
        });
        expect(mine.find((f) => f.ruleId === 'net.miner-port')?.evidence).toMatchObject({
          remote: '127.0.0.1:3333',
        });

        // One incident holds them all, with the kill-chain stages they show, attributed to Kinsing by the name.
        const incidentIds = new Set(mine.map((f) => f.incidentId));
        expect(incidentIds.size).toBe(1);
        const incident = incidents.find((i) => incidentIds.has(i.id));
        expect(incident?.stages).toEqual(
          expect.arrayContaining(['execution', 'command-and-control', 'impact']),
        );
        expect(incident?.findings).toEqual(expect.arrayContaining(mine.map((f) => f.id)));
        expect(incident?.attribution[0]?.group).toBe('Kinsing');
      } finally {
        child.kill('SIGKILL');
        await exitOf(child);
      }
      const after = await scanJson();
      expect(after.findings.filter((f) => f.entity.pid === child.pid && f.entity.exe === EXE)).toEqual([]);
    });
  }

  it('exits 1 when findings reach --fail-on and 0 when they do not', async () => {
    const child = startStandIn('kdevtmpfsi');
    try {
      await waitForConnection(clients, 1);
      expect((await runCli(['scan', '--format', 'json', '--interval', '0', '--no-hash'])).code).toBe(1);
    } finally {
      child.kill('SIGKILL');
      await exitOf(child);
    }
    const clean = new FakeRoot().add({ pid: 1, comm: 'init', argv: ['/sbin/init'], exe: '/sbin/init' });
    try {
      const r = await runCli(['scan', '--root', clean.root, '--format', 'json', '--interval', '0']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).findings).toEqual([]);
    } finally {
      clean.cleanup();
    }
  });
});

describe('scan watches process starts while it samples', () => {
  it('sees a 50 ms dropper in /dev/shm that exits before the snapshot, and reports the real-time mode', async () => {
    const dir = `/dev/shm/.x-drop-${process.pid}`;
    mkdirSync(dir, { recursive: true });
    copyFileSync('/bin/sleep', `${dir}/dropper`);
    try {
      const scan = runCli(['scan', '--format', 'json', '--interval', '4000', '--no-hash', '--verbose']);
      // The window opens when the CLI has started, which takes longer on a loaded machine: run a dropper every
      // 300 ms from 1 s to 3 s into the 4 s window; each lives 50 ms, and every one started in the window must show.
      const droppers: number[] = [];
      await new Promise((r) => setTimeout(r, 1000));
      for (let i = 0; i < 7; i++) {
        const d = spawn(`${dir}/dropper`, ['0.05'], { stdio: 'ignore' });
        if (d.pid) droppers.push(d.pid);
        await exitOf(d);
        await new Promise((r) => setTimeout(r, 300));
      }
      const r = await scan;
      const out = JSON.parse(r.stdout) as {
        findings: Finding[];
        summary: { collection: { realtime: { mode: string; events: number } } };
      };
      expect(out.summary.collection.realtime.mode).toBe('netlink');
      expect(out.summary.collection.realtime.events).toBeGreaterThan(0);
      const seen = out.findings.filter(
        (x) =>
          x.entity.pid !== undefined &&
          droppers.includes(x.entity.pid) &&
          x.ruleId === 'proc.exe.writable-path',
      );
      expect(seen.length).toBeGreaterThan(0);
      for (const f of seen) {
        expect(f.entity.exe).toBe(`${dir}/dropper`);
        expect(f.evidence).toMatchObject({ exe: `${dir}/dropper`, writableDir: '/dev/shm/' });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
