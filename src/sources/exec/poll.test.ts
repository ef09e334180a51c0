import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TelemetryEvent } from '../../model/event.js';
import { TelemetryEventSchema } from '../../model/schemas.js';
import { type ExecSource, openExecSource } from './index.js';

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

let src: ExecSource | undefined;
const tmpDirs: string[] = [];
afterEach(async () => {
  await src?.stop();
  src = undefined;
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('poll exec source', () => {
  it('sees a process that lives a second on the real /proc, and says it was asked for', async () => {
    src = openExecSource({ hostId: 'h1', prefer: 'poll', pollIntervalMs: 50 });
    const events: TelemetryEvent[] = [];
    src.start((e) => events.push(e));
    const child = spawn('/bin/sleep', ['1']);
    const pid = child.pid!;
    await waitFor(() => events.some((e) => e.kind === 'exec' && e.fields['process.pid'] === pid));
    const exec = events.find((e) => e.kind === 'exec' && e.fields['process.pid'] === pid);
    expect(exec?.source).toBe('poll');
    expect(exec?.fields).toMatchObject({
      'process.exe': realpathSync('/bin/sleep'),
      'process.args': ['/bin/sleep', '1'],
      'process.name': 'sleep',
      'process.ppid': process.pid,
    });
    await new Promise((r) => child.on('exit', r));
    await waitFor(() => events.some((e) => e.kind === 'exit' && e.fields['process.pid'] === pid));
    const exit = events.find((e) => e.kind === 'exit' && e.fields['process.pid'] === pid);
    // Polling cannot know the exit status; it still names what exited.
    expect(exit?.fields).toMatchObject({ 'process.exitCode': null, 'process.name': 'sleep' });
    for (const e of [exec!, exit!]) expect(TelemetryEventSchema.safeParse(e).success).toBe(true);
    const status = src.status();
    expect(status.mode).toBe('poll');
    expect(status.reason).toMatch(/requested/);
    expect(status.warning).toBeUndefined();
    expect(status.events).toBe(events.length);
  });

  it('reads a hostile procfs tree: odd comm, memfd exe, garbage entries, users from its own passwd', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mw-exec-poll-'));
    tmpDirs.push(root);
    const proc = join(root, 'proc');
    mkdirSync(proc);
    mkdirSync(join(root, 'etc'));
    writeFileSync(
      join(root, 'etc', 'passwd'),
      'root:x:0:0::/root:/bin/sh\nmallory:x:1234:1234::/tmp:/bin/sh\n',
    );
    writeFileSync(join(proc, 'stat'), 'cpu  1 2 3 4\nbtime 1700000000\n');
    const fields = (ppid: number, start: number) =>
      `S ${ppid} 0 0 0 -1 4194304 0 0 0 0 0 0 0 0 20 0 1 0 ${start} 1000 10`;
    const addPid = (pid: number, comm: string, ppid: number, exe: string, cmdline: string, uid: number) => {
      const d = join(proc, String(pid));
      mkdirSync(d);
      writeFileSync(join(d, 'stat'), `${pid} (${comm}) ${fields(ppid, 500)}\n`);
      writeFileSync(join(d, 'status'), `Name:\t${comm}\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\n`);
      writeFileSync(join(d, 'cmdline'), cmdline);
      symlinkSync(exe, join(d, 'exe'));
    };
    addPid(100, 'bash', 1, '/usr/bin/bash', 'bash\0', 0);
    src = openExecSource({ hostId: 'h2', prefer: 'poll', procRoot: proc, pollIntervalMs: 10 });
    const events: TelemetryEvent[] = [];
    src.start((e) => events.push(e));

    // A miner loaded from a memfd with a comm built to break naive parsers, and an entry whose stat is garbage.
    addPid(4242, 'x) (R 1', 100, '/memfd:kdevtmpfsi (deleted)', 'kdevtmpfsi\0-o\0pool:3333\0', 1234);
    mkdirSync(join(proc, '999'));
    writeFileSync(join(proc, '999', 'stat'), 'garbage');
    rmSync(join(proc, '100'), { recursive: true });

    await waitFor(() => events.length >= 2, 2000);
    expect(events.map((e) => `${e.kind}:${e.fields['process.pid']}`).sort()).toEqual([
      'exec:4242',
      'exit:100',
    ]);
    const exec = events.find((e) => e.kind === 'exec')!;
    expect(exec.fields).toMatchObject({
      'process.name': 'x) (R 1',
      'process.ppid': 100,
      'process.exe': '/memfd:kdevtmpfsi',
      'process.exeMemfd': true,
      'process.args': ['kdevtmpfsi', '-o', 'pool:3333'],
      'process.commandLine': 'kdevtmpfsi -o pool:3333',
      'process.uid': 1234,
      'process.user': 'mallory',
      'process.startTime': 1700000000_000 + 5000,
    });
    const exit = events.find((e) => e.kind === 'exit')!;
    expect(exit.fields).toMatchObject({ 'process.name': 'bash', 'process.exe': '/usr/bin/bash' });
    for (const e of events) expect(TelemetryEventSchema.safeParse(e).success).toBe(true);
  });

  it('stops when its procfs disappears, and says why', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mw-exec-poll-'));
    tmpDirs.push(root);
    src = openExecSource({ hostId: 'h3', prefer: 'poll', procRoot: join(root, 'proc'), pollIntervalMs: 10 });
    src.start(() => {});
    expect(src.status().error).toMatch(/cannot list/);
  });
});
