import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function firstLine(c: ChildProcess): Promise<string> {
  return new Promise((res, rej) => {
    const rl = createInterface({ input: c.stdout! });
    rl.once('line', res);
    c.once('exit', (code) => rej(new Error(`exited ${code} before printing`)));
  });
}

interface ApiHost {
  id: string;
  status: string;
  findings: { ruleId: string; entity: { pid?: number } }[];
}

interface UpInfo {
  url: string;
  data: string;
  firstAdmin: { name: string; password: string };
}

/** Starts `minewarden up` in `dir` and logs in as the first admin. */
async function startUp(dir: string, extra: string[] = []) {
  const up = spawn(
    process.execPath,
    [join(repo, 'bin/minewarden'), 'up', '--port', '0', '--format', 'json', ...extra],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(up);
  let err = '';
  up.stderr!.on('data', (d) => {
    err += String(d);
  });
  const info = JSON.parse(await firstLine(up)) as UpInfo;
  const login = await fetch(`${info.url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: info.firstAdmin.name, password: info.firstAdmin.password }),
  });
  expect(login.status).toBe(200);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { up, info, cookie, stderr: () => err };
}

async function stopUp(up: ChildProcess): Promise<void> {
  up.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => up.once('exit', r));
  expect(code).toBe(0);
}

describe('npm start (minewarden up)', () => {
  it('lists this host with its findings through the authenticated API within 10 s', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-up-'));
    dirs.push(dir);
    // A harmless process the detectors must flag: `sleep` run from a copy in /tmp that is then deleted.
    const exe = join(dir, 'sleepy');
    copyFileSync('/bin/sleep', exe);
    const bait = spawn(exe, ['60'], { stdio: 'ignore' });
    children.push(bait);
    await new Promise((r) => setTimeout(r, 100));
    unlinkSync(exe);

    const started = Date.now();
    const { up, info, cookie, stderr } = await startUp(dir);
    expect(info.data).toBe(join(dir, 'data'));
    expect(info.firstAdmin.password.length).toBeGreaterThanOrEqual(16);
    expect((await fetch(`${info.url}/api/hosts`)).status).toBe(401);

    let hit: ApiHost | undefined;
    while (Date.now() - started < 10_000 && !hit) {
      const res = await fetch(`${info.url}/api/hosts`, { headers: { cookie } });
      expect(res.status).toBe(200);
      const { hosts } = (await res.json()) as { hosts: ApiHost[] };
      hit = hosts.find((h) =>
        h.findings.some((f) => f.entity.pid === bait.pid && f.ruleId === 'proc.exe.deleted'),
      );
      if (!hit) await new Promise((r) => setTimeout(r, 250));
    }
    expect(hit, `no finding for the bait within 10 s; stderr: ${stderr().slice(0, 2000)}`).toBeDefined();
    expect(hit!.status).toBe('alive');
    expect(Date.now() - started).toBeLessThan(10_000);
    // Nothing secret reaches the terminal log.
    expect(stderr()).not.toContain(info.firstAdmin.password);
    expect(stderr()).not.toMatch(/mw[aetws]_[A-Za-z0-9_-]{43}/);

    await stopUp(up);
  });

  it('watches a cloud shipper directory with --cloud-vpc-flow and lists the instance it names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-up-cloud-'));
    dirs.push(dir);
    const inbox = join(dir, 'flows');
    mkdirSync(inbox);
    const { up, info, cookie, stderr } = await startUp(dir, [
      '--cloud-vpc-flow',
      inbox,
      '--cloud-interval',
      '1',
    ]);
    // As a shipper delivers: a partial name, then the complete one. An accepted flow to a mining port.
    const instance = 'i-0feed5eed0000beef';
    writeFileSync(
      join(inbox, 'f1.log.tmp'),
      'version account-id instance-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n' +
        `5 123456789010 ${instance} eni-0feed5eed0000beef 10.0.9.9 192.0.2.99 40123 14444 6 20 4000 1795082400 1795082460 ACCEPT OK\n`,
    );
    renameSync(join(inbox, 'f1.log.tmp'), join(inbox, 'f1.log'));
    const started = Date.now();
    let hit: ApiHost | undefined;
    while (Date.now() - started < 10_000 && !hit) {
      const res = await fetch(`${info.url}/api/hosts`, { headers: { cookie } });
      const { hosts } = (await res.json()) as { hosts: (ApiHost & { name?: string })[] };
      hit = hosts.find((h) => h.findings.some((f) => f.ruleId === 'cloud.flow.miner-port'));
      if (!hit) await new Promise((r) => setTimeout(r, 250));
    }
    expect(hit, `no cloud finding within 10 s; stderr: ${stderr().slice(0, 2000)}`).toBeDefined();
    expect(JSON.stringify(hit)).toContain(instance);
    await stopUp(up);
  });

  it('refuses a cloud directory that does not exist, naming the flag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-up-cloud-'));
    dirs.push(dir);
    const up = spawn(
      process.execPath,
      [join(repo, 'bin/minewarden'), 'up', '--port', '0', '--cloud-vpc-flow', join(dir, 'missing')],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(up);
    let err = '';
    up.stderr!.on('data', (d) => {
      err += String(d);
    });
    const code = await new Promise<number | null>((r) => up.once('exit', r));
    expect(code).not.toBe(0);
    expect(err).toContain('--cloud-vpc-flow');
  });
});
