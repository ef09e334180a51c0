import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
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
    const up = spawn(
      process.execPath,
      [join(repo, 'bin/minewarden'), 'up', '--port', '0', '--format', 'json'],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(up);
    let stderr = '';
    up.stderr!.on('data', (d) => {
      stderr += String(d);
    });
    const info = JSON.parse(await firstLine(up)) as {
      url: string;
      data: string;
      firstAdmin: { name: string; password: string };
    };
    expect(info.data).toBe(join(dir, 'data'));
    expect(info.firstAdmin.password.length).toBeGreaterThanOrEqual(16);

    const unauth = await fetch(`${info.url}/api/hosts`);
    expect(unauth.status).toBe(401);
    const login = await fetch(`${info.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: info.firstAdmin.name, password: info.firstAdmin.password }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;

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
    expect(hit, `no finding for the bait within 10 s; stderr: ${stderr.slice(0, 2000)}`).toBeDefined();
    expect(hit!.status).toBe('alive');
    expect(Date.now() - started).toBeLessThan(10_000);
    // Nothing secret reaches the terminal log.
    expect(stderr).not.toContain(info.firstAdmin.password);
    expect(stderr).not.toMatch(/mw[aetws]_[A-Za-z0-9_-]{43}/);

    up.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => up.once('exit', r));
    expect(code).toBe(0);
  });
});
