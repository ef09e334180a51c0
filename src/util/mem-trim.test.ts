import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MemTrimmer, trimFilePages } from './mem-trim.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const built = existsSync(resolve(root, 'build/Release/mem_trim.node'));

function fileBackedKb(pid: number | 'self' = 'self'): number {
  const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(t)?.[1] ?? Number.NaN);
  return kb('Rss') - kb('Anonymous');
}

describe('memory trim', () => {
  it('is built where the suite requires its native parts', () => {
    if (process.env.MINEWARDEN_REQUIRE_SERVICES === '1') expect(built).toBe(true);
  });

  it.skipIf(!built)('drops file-backed pages and the process keeps working', () => {
    const before = fileBackedKb();
    const r = trimFilePages();
    const after = fileBackedKb();
    expect(r).not.toBeNull();
    expect(r?.mappings).toBeGreaterThan(0);
    // Node's own binary alone keeps several MB of start-up pages mapped.
    expect(before - after).toBeGreaterThan(4096);
    expect(r?.kb).toBeGreaterThan(before - after - 1024);
  });

  it.skipIf(!built)(
    'leaves relocated and private data alone: a trimmed process runs code, addons and I/O',
    () => {
      // A child trims right after start, then exercises what was unmapped: compiled code, ICU, zlib, crypto, a native
      // addon loaded before the trim (its RELRO pages were written by the loader) and one loaded after.
      const script = `
      const { createRequire } = require('node:module');
      const req = createRequire(${JSON.stringify(`${root}/package.json`)});
      const pre = req('better-sqlite3');
      const trim = req('./build/Release/mem_trim.node');
      const [n] = trim.trimFilePages();
      if (n < 1) throw new Error('nothing trimmed');
      const db = new pre(':memory:');
      db.exec('create table t (x text)');
      db.prepare('insert into t values (?)').run('ü'.normalize('NFD'));
      const zlib = require('node:zlib');
      const z = zlib.gunzipSync(zlib.gzipSync(Buffer.from('stratum+tcp://'.repeat(1000)))).length;
      const h = require('node:crypto').createHash('sha256').update('x').digest('hex');
      const d = new Intl.DateTimeFormat('de-DE', { timeZone: 'UTC' }).format(new Date(0));
      const walk = req('./build/Release/procfs_read.node');
      trim.trimFilePages();
      process.stdout.write(JSON.stringify([db.prepare('select x from t').get().x.length, z, h.length, d, walk.abiVersion]));
    `;
      const out = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
      expect(out.stderr).toBe('');
      expect(out.status).toBe(0);
      expect(JSON.parse(out.stdout)).toEqual([2, 14_000, 64, '1.1.1970', 1]);
    },
  );

  it('does nothing when turned off and stops cleanly', async () => {
    const off = new MemTrimmer(0);
    off.start();
    expect(off.trims).toBe(0);
    const on = new MemTrimmer(60_000);
    on.start();
    expect(on.trims).toBe(built ? 1 : 0);
    await on.stop();
  });
});
