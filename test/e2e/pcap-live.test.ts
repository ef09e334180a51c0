import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, REPO_ROOT } from '../helpers/cli.js';

/**
 * Live capture end to end: two network namespaces joined by a veth pair (10.213.77.0/30, existing only inside
 * them), a fake stratum pool on one side, a stratum client on the other, and `minewarden pcap --live` capturing on
 * the pool's veth. Needs root, iproute2 and tcpdump; under MINEWARDEN_REQUIRE_SERVICES=1 their absence fails.
 */
const required = process.env.MINEWARDEN_REQUIRE_SERVICES === '1';
const tag = String(process.pid % 100000);
const NS_POOL = `mwp-pool-${tag}`;
const NS_MINER = `mwp-miner-${tag}`;
const IF_POOL = `mwpa${tag}`;
const IF_MINER = `mwpb${tag}`;
const POOL_IP = '10.213.77.1';
const MINER_IP = '10.213.77.2';

function have(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const isRoot = process.getuid?.() === 0;
const haveTools = isRoot && have('ip', ['-V']) && have('tcpdump', ['--version']);

const POOL = `
const net = require('node:net');
net.createServer((s) => {
  let buf = '';
  s.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\\n')) >= 0) {
      const m = JSON.parse(buf.slice(0, i)); buf = buf.slice(i + 1);
      if (m.method === 'mining.subscribe') s.write(JSON.stringify({ id: m.id, result: [[['mining.notify', '1']], '08000002', 4], error: null }) + '\\n');
      if (m.method === 'mining.authorize') {
        s.write(JSON.stringify({ id: m.id, result: true, error: null }) + '\\n');
        s.write(JSON.stringify({ id: null, method: 'mining.set_difficulty', params: [1] }) + '\\n');
        s.write(JSON.stringify({ id: null, method: 'mining.notify', params: ['b3ba', '7dcf', '01', '02', [], '20000000', '1a0e1b2b', '65a1b2c3', true] }) + '\\n');
      }
    }
  });
  s.on('error', () => {});
}).listen(3333, '${POOL_IP}', () => console.log('listening'));
`;

const MINER = `
const net = require('node:net');
const s = net.connect(3333, '${POOL_IP}', () => {
  s.write(JSON.stringify({ id: 1, method: 'mining.subscribe', params: ['cpuminer/2.5.1'] }) + '\\n');
  s.write(JSON.stringify({ id: 2, method: 'mining.authorize', params: ['bc1qlivetestwallet.rig1', 'x'] }) + '\\n');
  console.log('sent');
});
s.on('data', () => {});
s.on('error', (e) => { console.error(e.message); process.exit(1); });
setTimeout(() => s.end(), 15000);
`;

const children: ChildProcess[] = [];
function start(ns: string, args: string[]): ChildProcess {
  const c = spawn('ip', ['netns', 'exec', ns, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(c);
  return c;
}

/** Every stdout line of a child, kept from the start, so no line is lost between two waits. */
function lines(c: ChildProcess): string[] {
  const out: string[] = [];
  let rest = '';
  c.stdout?.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop() ?? '';
    out.push(...parts);
  });
  return out;
}

async function waitForLine(
  c: ChildProcess,
  seen: string[],
  test: (line: string) => boolean,
  timeoutMs: number,
): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const hit = seen.find(test);
    if (hit !== undefined) return hit;
    if (c.exitCode !== null) throw new Error(`exited ${c.exitCode}; output:\n${seen.join('\n')}`);
    if (Date.now() > end) throw new Error(`timed out; output so far:\n${seen.join('\n')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

describe.skipIf(!haveTools && !required)('pcap --live in a network namespace pair', () => {
  beforeAll(() => {
    if (!haveTools) throw new Error('needs root, iproute2 and tcpdump (MINEWARDEN_REQUIRE_SERVICES=1)');
    ip('netns', 'add', NS_POOL);
    ip('netns', 'add', NS_MINER);
    ip('link', 'add', IF_POOL, 'netns', NS_POOL, 'type', 'veth', 'peer', 'name', IF_MINER, 'netns', NS_MINER);
    ip('-n', NS_POOL, 'addr', 'add', `${POOL_IP}/30`, 'dev', IF_POOL);
    ip('-n', NS_MINER, 'addr', 'add', `${MINER_IP}/30`, 'dev', IF_MINER);
    for (const [ns, dev] of [
      [NS_POOL, IF_POOL],
      [NS_MINER, IF_MINER],
    ] as const) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', dev, 'up');
    }
  });

  afterAll(async () => {
    for (const c of children)
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 100));
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }
    for (const ns of [NS_POOL, NS_MINER])
      try {
        ip('netns', 'del', ns);
      } catch {}
  });

  it('reports the mining flow within 5 s, with agent and login, and summarizes flows', async () => {
    const pool = start(NS_POOL, [process.execPath, '-e', POOL]);
    await waitForLine(pool, lines(pool), (l) => l === 'listening', 10_000);
    const mw = start(NS_POOL, [
      process.execPath,
      BIN,
      'pcap',
      '--live',
      IF_POOL,
      '--format',
      'ndjson',
      '--summary-interval',
      '1',
    ]);
    const out = lines(mw);
    // The first summary means the capture process is running; give tcpdump a moment to attach.
    await waitForLine(mw, out, (l) => l.includes('"type":"summary"'), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const sentAt = Date.now();
    const miner = start(NS_MINER, [process.execPath, '-e', MINER]);
    await waitForLine(miner, lines(miner), (l) => l === 'sent', 10_000);
    const line = await waitForLine(mw, out, (l) => l.includes('"ruleId":"wire.mining.stratum"'), 5_000);
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    const f = JSON.parse(line) as { evidence: Record<string, unknown>; severity: string };
    expect(f.severity).toBe('high');
    expect(f.evidence).toMatchObject({
      protocol: 'stratum-v1',
      agent: 'cpuminer/2.5.1',
      login: 'bc1qlivetestwallet.rig1',
      client: MINER_IP,
      server: POOL_IP,
      serverPort: 3333,
    });
    const summary = await waitForLine(
      mw,
      out,
      (l: string) => l.includes('"type":"summary"') && l.includes('stratum-v1'),
      5_000,
    );
    expect(JSON.parse(summary).miningFlows[0]).toMatchObject({ protocol: 'stratum-v1' });
    mw.kill('SIGINT');
    const final = await waitForLine(mw, out, (l) => l.includes('"final":true'), 5_000);
    expect(JSON.parse(final).findings).toBeGreaterThanOrEqual(1);
  });
});
