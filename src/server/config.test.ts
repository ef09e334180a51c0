import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MinewardenError } from '../model/errors.js';
import { loadServerConfig } from './config.js';
import { splitDbSchema } from './db-url.js';

const dir = mkdtempSync(join(tmpdir(), 'mw-scfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(text: string) {
  const f = join(dir, `c${Math.random()}.yaml`);
  writeFileSync(f, text);
  return () => loadServerConfig(f);
}

function error(fn: () => unknown): MinewardenError {
  try {
    fn();
  } catch (err) {
    if (err instanceof MinewardenError) return err;
    throw err;
  }
  throw new Error('no error');
}

describe('server config', () => {
  it('defaults without a file, and reads sinks and fleet settings', () => {
    expect(loadServerConfig(undefined)).toMatchObject({
      sinks: [],
      fleet: { minHosts: 2 },
      metrics: { enabled: true },
    });
    const c = load(
      'sinks:\n  - { type: syslog, host: 127.0.0.1, protocol: tcp, format: cef }\nfleet:\n  minHosts: 3\n',
    )();
    expect(c.sinks[0]).toMatchObject({ type: 'syslog', port: 514, protocol: 'tcp', minSeverity: 'medium' });
    expect(c.fleet.minHosts).toBe(3);
  });

  it('names file, line and field of the first error', () => {
    const e = error(
      load(
        'fleet:\n  minHosts: 2\nsinks:\n  - type: webhook\n    url: http://127.0.0.1/x\n    secret: short\n',
      ),
    );
    expect(e.code).toBe('MW_CONFIG_INVALID');
    expect(e.message).toMatch(/c0?\.?\d*\.yaml/);
    expect(e.message).toContain('sinks.0.secret');
    expect(e.message).toMatch(/:6\b/);
    expect(error(load('bogus: 1\n')).message).toMatch(/:1\b/);
    expect(error(load('sinks: [\n')).code).toBe('MW_INPUT_PARSE');
    expect(error(load('- a\n')).message).toMatch(/mapping/);
    expect(error(() => loadServerConfig(join(dir, 'missing.yaml'))).code).toBe('MW_INPUT_NOT_FOUND');
  });

  it('takes ?schema= out of a postgres URL and refuses a hostile schema name', () => {
    expect(splitDbSchema('postgres://u@h:5432/db?schema=tenant_1')).toEqual({
      db: 'postgres://u@h:5432/db',
      schema: 'tenant_1',
    });
    expect(splitDbSchema('sqlite:/x?schema=a')).toEqual({ db: 'sqlite:/x?schema=a' });
    expect(() => splitDbSchema('postgres://h/db?schema=x;DROP TABLE y')).toThrow(MinewardenError);
  });
});
