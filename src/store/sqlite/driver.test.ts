import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteDriver } from './driver.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-sqlite-driver-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteDriver under write load', () => {
  it('waits for a write lock held elsewhere without blocking the event loop, then commits', async () => {
    const path = join(dir, 'db.sqlite');
    const driver = new SqliteDriver(path);
    await driver.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    // Enough commits for the driver to hand checkpoints to its worker thread, as a busy server does.
    for (let i = 0; i < 120; i++)
      await driver.transaction((tx) => tx.run('INSERT INTO t (v) VALUES (?)', ['x']));

    // Another connection (what the checkpointer's RESTART does) holds the write lock until a timer releases it.
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    let released = false;
    setTimeout(() => {
      other.exec('COMMIT');
      released = true;
    }, 50);
    // A writer sleeping in SQLite's busy handler would keep this timer from ever firing on the same thread.
    await driver.transaction((tx) => tx.run('INSERT INTO t (v) VALUES (?)', ['after']));
    expect(released).toBe(true);
    expect(await driver.query("SELECT COUNT(*) AS n FROM t WHERE v = 'after'")).toEqual([{ n: 1 }]);
    other.close();
    await driver.close();
  });

  it('reuses the WAL under steady writing instead of growing it (checkpoints run off the writer)', async () => {
    const path = join(dir, 'wal.sqlite');
    const driver = new SqliteDriver(path);
    await driver.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)');
    const row = 'x'.repeat(1000);
    // ~20 MB in many commits, as a busy server writes (the writer itself never checkpoints: wal_autocheckpoint 0).
    const burst = async () => {
      for (let i = 0; i < 200; i++)
        await driver.transaction(async (tx) => {
          for (let j = 0; j < 100; j++) await tx.run('INSERT INTO t (v) VALUES (?)', [row]);
        });
    };
    await burst();
    // The checkpointer's rewind runs at most every 5 s; give it that and a little.
    await new Promise((r) => setTimeout(r, 6500));
    await burst();
    // ~40 MB written through the WAL: without the checkpointer the file would hold all of it.
    expect(statSync(`${path}-wal`).size).toBeLessThan(28 * 1024 * 1024);
    expect(await driver.query('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 40_000 }]);
    await driver.close();
  }, 30_000);
});
