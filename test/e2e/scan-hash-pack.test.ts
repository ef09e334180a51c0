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
import type { Finding } from '../../src/model/finding.js';
import { runCli } from '../helpers/cli.js';

const base = {
  version: 't1',
  date: '2026-11-26',
  description: 'test fixture pack',
  sources: [{ id: 'fixture', title: 'a harmless stand-in built for this test' }],
};

describe('scan --hash-pack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mw-scan-pack-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function pack(name: string, data: unknown): string {
    const p = join(dir, name);
    writeFileSync(p, typeof data === 'string' ? data : JSON.stringify(data));
    return p;
  }

  it('a running executable listed only in a pack is a miner.known-hash finding citing the pack', async () => {
    // A copy of sleep with random bytes appended: harmless, and no other process shares its hash.
    const standin = join(dir, 'kworkerd');
    copyFileSync('/usr/bin/sleep', standin);
    appendFileSync(standin, randomBytes(32));
    const sha256 = createHash('sha256').update(readFileSync(standin)).digest('hex');
    const empty = pack('empty.json', { ...base, version: 'e1', hashes: [] });
    const file = pack('fixture.json', {
      ...base,
      hashes: [{ sha256, family: 'standin', note: 'copy of sleep', source: 'fixture' }],
    });
    const child = spawn(standin, ['60'], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 250; i++) {
        try {
          if (readlinkSync(`/proc/${child.pid}/exe`) === standin) break;
        } catch {}
        await new Promise((r) => setTimeout(r, 20));
      }
      const args = ['scan', '--format', 'json', '--interval', '0', '--no-files', '--no-logs'];
      const without = await runCli(args);
      const hits = (out: string): Finding[] =>
        (JSON.parse(out) as { findings: Finding[] }).findings.filter(
          (f) => f.ruleId === 'miner.known-hash' && f.entity.pid === child.pid,
        );
      expect(hits(without.stdout)).toEqual([]);

      const r = await runCli([...args, '--hash-pack', empty, '--hash-pack', file]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      expect(hits(r.stdout)).toEqual([
        expect.objectContaining({
          entity: expect.objectContaining({ pid: child.pid, exe: standin }),
          evidence: expect.objectContaining({ sha256, family: 'standin', list: `${file} t1` }),
        }),
      ]);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a bad pack is a usage error naming the file and the field; so is --hash-pack with --no-hash', async () => {
    const bad = pack('bad.json', {
      ...base,
      hashes: [
        { sha256: 'a'.repeat(64), family: 'x', note: '', source: 'fixture' },
        { sha256: 'xyz', family: 'x', note: '', source: 'fixture' },
      ],
    });
    const r = await runCli(['scan', '--interval', '0', '--hash-pack', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json, field hashes\[1\]\.sha256: not a SHA-256/);
    const missing = await runCli(['scan', '--interval', '0', '--hash-pack', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json.*cannot read hash pack/);
    const noHash = await runCli(['scan', '--interval', '0', '--no-hash', '--hash-pack', bad]);
    expect(noHash.code).toBe(2);
    expect(noHash.stderr).toMatch(/field --hash-pack: hash packs need executable hashing/);
  });
});
