import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  copyFileSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TelemetryEvent } from '../../model/event.js';
import { snapshotEvents } from '../../sources/procfs/events.js';
import { takeSnapshot } from '../../sources/procfs/snapshot.js';
import { minerKnownHash } from './miner-hash.js';
import { builtinMinerHashes, builtinMinerHashFile, minerHashList } from './miner-hash-list.js';
import { loadMinerHashPack, MinerHashFileSchema } from './miner-hash-pack.js';

const XMRIG_LNX = '10a72f9882fc0ca141e39277222a8d33aab7f7a4b524c109506a407cd10d738c';

function exeOf(pid: number | undefined): string | null {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return null;
  }
}

function proc(sha256: string | null): TelemetryEvent {
  return {
    kind: 'process',
    time: 1_700_000_000_000,
    hostId: 'h',
    source: 'test',
    fields: { 'process.pid': 42, 'process.exe': '/usr/sbin/dbus-daemond', 'process.sha256': sha256 },
  };
}

describe('miner.known-hash', () => {
  it('the built-in list fits its schema and cites a source for every hash', () => {
    const r = MinerHashFileSchema.safeParse(builtinMinerHashFile());
    expect(r.error?.issues ?? []).toEqual([]);
    expect(builtinMinerHashes().size).toBe(builtinMinerHashFile().hashes.length);
  });

  it('reports a process running a listed build, with the hash and who listed it', () => {
    const hit = minerKnownHash(builtinMinerHashes()).detect(proc(XMRIG_LNX.toUpperCase()));
    expect(hit).toMatchObject({
      entity: { kind: 'process', pid: 42, exe: '/usr/sbin/dbus-daemond' },
      evidence: {
        sha256: XMRIG_LNX,
        family: 'xmrig',
        source: { id: 'signature-base', url: expect.stringContaining('github.com/Neo23x0/signature-base') },
        list: expect.stringMatching(/^built-in /),
      },
    });
  });

  it('stays quiet on unlisted hashes and processes that were not hashed', () => {
    const d = minerKnownHash(builtinMinerHashes());
    expect(d.detect(proc('0'.repeat(64)))).toBeNull();
    expect(d.detect(proc(null))).toBeNull();
  });
});

describe('hash packs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-hashpack-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function pack(name: string, data: unknown): string {
    const p = join(dir, name);
    writeFileSync(p, typeof data === 'string' ? data : JSON.stringify(data));
    return p;
  }

  const base = {
    version: 't1',
    date: '2026-11-26',
    description: 'test fixture pack',
    sources: [{ id: 'fixture', title: 'a harmless stand-in built for this test' }],
  };

  it('finds a live process whose executable is listed in a pack (hashed by the procfs source)', async () => {
    // The stand-in is a copy of sleep (harmless) with random bytes appended, so no other process on the machine
    // (a plain sleep of another test) shares its hash.
    const standin = join(dir, 'dbus-worker');
    copyFileSync('/usr/bin/sleep', standin);
    appendFileSync(standin, randomBytes(32));
    const sha256 = createHash('sha256').update(readFileSync(standin)).digest('hex');
    const file = pack('fixture.json', {
      ...base,
      hashes: [{ sha256, family: 'standin', note: 'copy of sleep', source: 'fixture' }],
    });
    const list = minerHashList([
      { name: 'built-in', data: builtinMinerHashFile() },
      { name: file, data: loadMinerHashPack(file) },
    ]);
    const child = spawn(standin, ['30'], { stdio: 'ignore' });
    try {
      // until the child has exec'd the stand-in (before that its /proc/PID/exe is this runner's node)
      for (let i = 0; i < 250 && exeOf(child.pid) !== standin; i++)
        await new Promise((r) => setTimeout(r, 20));
      const snap = await takeSnapshot({ sampleMs: 0 });
      const d = minerKnownHash(list);
      const hits = snapshotEvents(snap)
        .map((e) => d.detect(e))
        .filter((h) => h !== null);
      expect(hits).toEqual([
        expect.objectContaining({
          entity: expect.objectContaining({ pid: child.pid, exe: standin }),
          evidence: expect.objectContaining({ sha256, family: 'standin', list: `${file} t1` }),
        }),
      ]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('refuses a bad pack with the file and the field at fault', () => {
    const badSha = pack('bad-sha.json', {
      ...base,
      hashes: [{ sha256: 'abc', family: 'x', note: '', source: 'fixture' }],
    });
    expect(() => loadMinerHashPack(badSha)).toThrow(/bad-sha\.json, field hashes\[0\]\.sha256: .*SHA-256/);
    const badSource = pack('bad-source.json', {
      ...base,
      hashes: [{ sha256: XMRIG_LNX, family: 'x', note: '', source: 'nobody' }],
    });
    expect(() => loadMinerHashPack(badSource)).toThrow(/field hashes\[0\]\.source: names no entry/);
    expect(() => loadMinerHashPack(pack('garbage.json', '\u0000{not json'))).toThrow(/not JSON/);
    expect(() => loadMinerHashPack(join(dir, 'missing.json'))).toThrow(/cannot read hash pack/);
  });
});
