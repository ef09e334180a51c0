import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../test/fleet/sim-agent.js';
import { FakeRoot } from '../../test/helpers/fake-proc.js';
import { sqliteServer, startEnrolledAgent } from '../../test/helpers/fleet-harness.js';
import type { Finding } from '../model/finding.js';
import { parseServerConfig } from '../server/config.js';
import type { IngestBatch } from '../store/types.js';
import { Agent } from './agent.js';
import { type AgentConfig, loadAgentConfig } from './config.js';
import { attachPostureLoop, PORT_STATE_FILE, type PostureLoop } from './posture-loop.js';
import type { Transport } from './transport.js';

const HOST = '0123456789abcdef0123456789abcdef';
const FIX = join(import.meta.dirname, '../../test/fixtures/posture');

/** Nothing leaves: the agent is never started, so batches stay in its queue for the test to read. */
const nowhere: Transport = {
  send: async () => ({ kind: 'retry', reason: 'test' }),
  close: async () => undefined,
};

let root: FakeRoot;
let listener: ChildProcess;
let lines: AsyncIterator<string>;
/** Whether the listener lives in a network namespace of its own (then nothing else can open a port in it). */
let isolated = false;
const agents: Agent[] = [];

/**
 * The listener runs in a child process; the fake root's proc/net is that child's, so the agent reads exactly the
 * sockets of the child's network namespace: a new one when `unshare -n` may run here, else the host's.
 */
beforeAll(async () => {
  root = new FakeRoot();
  mkdirSync(join(root.root, 'etc/ssh'), { recursive: true });
  writeFileSync(join(root.root, 'etc/ssh/sshd_config'), 'Port 22\nPasswordAuthentication yes\n');
  writeFileSync(join(root.root, 'etc/os-release'), 'ID=debian\nVERSION_ID="12"\n');
  mkdirSync(join(root.root, 'var/lib/dpkg'), { recursive: true });
  copyFileSync(join(FIX, 'dpkg/status'), join(root.root, 'var/lib/dpkg/status'));
  isolated = spawnSync('unshare', ['-n', 'true']).status === 0;
  const script = `
    const net = require('node:net');
    require('node:readline').createInterface({ input: process.stdin }).on('line', () => {
      const s = net.createServer().listen(0, '127.0.0.1', () => console.log(s.address().port));
    });
    console.log('ready');`;
  const argv = [process.execPath, '-e', script];
  listener = isolated ? spawn('unshare', ['-n', ...argv]) : spawn(argv[0]!, argv.slice(1));
  lines = createInterface({ input: listener.stdout! })[Symbol.asyncIterator]();
  expect((await lines.next()).value).toBe('ready');
  rmSync(join(root.proc, 'net'), { recursive: true });
  symlinkSync(`/proc/${listener.pid}/net`, join(root.proc, 'net'));
});

afterAll(async () => {
  listener?.kill();
  await Promise.all(agents.map((a) => a.stop()));
  root?.cleanup();
});

function config(posture: Partial<AgentConfig['posture']> = {}): Readonly<AgentConfig> {
  return loadAgentConfig(undefined, {
    server: 'http://127.0.0.1:1',
    stateDir: join(root.root, 'state'),
    scan: { root: root.root, sampleMs: 0, hash: false },
    // An imported database that is not there: the built-in advisories alone, whatever this machine has imported.
    posture: { vulndb: join(root.root, 'no-vulndb'), ...posture },
  });
}

/** A new agent on the same state dir, as after a restart, with its posture loop. */
function newAgent(posture: Partial<AgentConfig['posture']> = {}): { agent: Agent; loop: PostureLoop } {
  const c = config(posture);
  const agent = new Agent({ config: c, transport: nowhere });
  agents.push(agent);
  const loop = attachPostureLoop(agent, c, { id: HOST, name: 'fakehost' });
  if (!loop) throw new Error('posture loop is off');
  return { agent, loop };
}

/** Everything queued so far (and takes it off the queue). */
function drain(agent: Agent): IngestBatch[] {
  const out: IngestBatch[] = [];
  for (let b = agent.queue.peek(); b; b = agent.queue.peek()) {
    out.push(JSON.parse(b.body) as IngestBatch);
    agent.queue.ack(b.seq);
  }
  return out;
}

const findingsOf = (bs: readonly IngestBatch[]): Finding[] => bs.flatMap((b) => b.findings);

describe('agent posture loop', () => {
  it('queues the host posture findings for the agent host, with the listener state in stateDir', async () => {
    const { agent, loop } = newAgent();
    const r = await loop.passOnce();
    const batches = drain(agent);
    expect(batches.length).toBe(r.batches);
    expect(batches.every((b) => b.host.id === HOST && b.heartbeats.length === 0)).toBe(true);
    const f = findingsOf(batches);
    expect(f.every((x) => x.host.id === HOST)).toBe(true);
    const ssh = f.find((x) => x.ruleId === 'posture.host.ssh-password-auth');
    expect(ssh?.evidence.file).toBe(join(root.root, 'etc/ssh/sshd_config'));
    expect(ssh?.severity).toBe('high');
    // Packages from dpkg under the root, matched with the built-in advisories (Debian 12 glibc, CVE-2023-4911).
    expect(
      f.some((x) => x.ruleId === 'posture.vuln.package' && JSON.stringify(x).includes('CVE-2023-4911')),
    ).toBe(true);
    // The first pass is a baseline: no port "opened" for everything already listening.
    expect(f.filter((x) => x.ruleId === 'posture.host.port-changed')).toEqual([]);
    expect(r.portChanges).toBe(0);
    expect(existsSync(join(root.root, 'state', PORT_STATE_FILE))).toBe(true);
  });

  it('after a restart, a new listener between passes is one port-changed finding, and an unchanged pass none', async () => {
    listener.stdin!.write('open\n');
    const port = Number((await lines.next()).value);
    expect(port).toBeGreaterThan(0);
    const { agent, loop } = newAgent();
    await loop.passOnce();
    const changed = findingsOf(drain(agent)).filter((x) => x.ruleId === 'posture.host.port-changed');
    // In a namespace of its own the test's listener is the only change; on the host's, others may come and go.
    const ours = changed.filter((x) => x.entity.port === port);
    expect(ours.length).toBe(1);
    if (isolated) expect(changed.length).toBe(1);
    expect(ours[0]!.evidence).toMatchObject({ change: 'opened', bind: '127.0.0.1', scope: 'loopback' });
    expect(ours[0]!.severity).toBe('medium');

    await loop.passOnce();
    const again = findingsOf(drain(agent)).filter((x) => x.ruleId === 'posture.host.port-changed');
    expect(again.filter((x) => x.entity.port === port)).toEqual([]);
    if (isolated) expect(again).toEqual([]);
    // The SSH finding is re-reported every pass (what is still true), under the same id.
    expect(loop.passes).toBe(2);
  });

  it('runs on its own shortly after start, and not at all with intervalMs 0', async () => {
    const c = config({ intervalMs: 0 });
    const off = new Agent({ config: c, transport: nowhere });
    agents.push(off);
    expect(attachPostureLoop(off, c, { id: HOST, name: 'fakehost' })).toBeNull();

    const { agent, loop } = newAgent({ firstDelayMs: 0, intervalMs: 3_600_000 });
    loop.start();
    await until('first posture pass', () => loop.passes >= 1 || loop.lastError !== null);
    expect(loop.lastError).toBeNull();
    expect(findingsOf(drain(agent)).some((x) => x.ruleId === 'posture.host.ssh-password-auth')).toBe(true);
  });

  it('sets an unreadable listener state aside and starts a new baseline instead of failing every pass', async () => {
    const file = join(root.root, 'state', PORT_STATE_FILE);
    writeFileSync(file, '{"version": 1, "time": ');
    const { agent, loop } = newAgent();
    const r = await loop.passOnce();
    expect(r.portChanges).toBe(0);
    expect(readFileSync(`${file}.bad`, 'utf8')).toBe('{"version": 1, "time": ');
    expect(JSON.parse(readFileSync(file, 'utf8')).version).toBe(1);
    expect(findingsOf(drain(agent)).some((x) => x.ruleId === 'posture.host.ssh-password-auth')).toBe(true);
  });

  it('started by startAgent, its findings pass the server ingest and are stored for the agent host', async () => {
    const srv = await sqliteServer(root.root, { config: parseServerConfig({}) });
    const stateDir = join(root.root, 'state-e2e');
    const agent = await startEnrolledAgent(
      srv,
      { root: root.root, stateDir },
      { posture: { firstDelayMs: 0, vulndb: join(root.root, 'no-vulndb') } },
    );
    try {
      const stored = async () =>
        (await srv.store.fleet.listFindings({ hostId: HOST, limit: 1000 })).map((r) => r.finding.ruleId);
      await until('posture findings stored', async () =>
        (await stored()).includes('posture.host.ssh-password-auth'),
      );
      expect(await stored()).toContain('posture.vuln.package');
      expect(agent.queue.counter('rejected')).toBe(0);
      expect(existsSync(join(stateDir, PORT_STATE_FILE))).toBe(true);
    } finally {
      await agent.stop();
      await srv.close();
    }
  });

  it('rejects an interval below one second in the agent config', () => {
    expect(() => config({ intervalMs: 10 })).toThrow(/posture\.intervalMs/);
  });
});
