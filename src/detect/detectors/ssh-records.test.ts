import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { realSshLogs, SSHLOGS } from '../../../test/helpers/sshlogs.js';
import { analyzeLogFiles, defaultLogsDetectors } from '../../cli/commands/logs.js';
import type { Detector } from '../detector.js';
import { sshDetectors } from './ssh-detectors.js';

const GENERATOR = resolve(import.meta.dirname, '../../../bench/logs/generate.mjs');

/** Low thresholds, so that every SSH detector fires on small logs too; folded repeats expanded. */
const eager = (): Detector[] =>
  sshDetectors({
    bruteForce: { maxRetry: 2, findTimeMs: 3_600_000, expandRepeats: true },
    slowBruteForce: { expandRepeats: true },
    userEnumeration: { distinctUsers: 2, expandRepeats: true },
    passwordSpray: { distinctSources: 2, expandRepeats: true },
    successAfterFailures: { minFailures: 1, expandRepeats: true },
    fleet: { lookup: () => ({ hosts: ['other'] }) },
  });

/** The findings and counts of `logs FILE` with parser records fed to the SSH detectors, and with events. */
async function bothPaths(file: string, make: () => Detector[] | Promise<Detector[]>) {
  const records = await analyzeLogFiles([file], 'h', await make(), { records: true });
  const events = await analyzeLogFiles([file], 'h', await make(), { records: false });
  return { records, events };
}

const tmp = mkdtempSync(join(tmpdir(), 'mw-ssh-records-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('logs: SSH detectors fed parser records find what they find from events', () => {
  const files = realSshLogs();

  it('finds the real logs', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  for (const f of files)
    it(`${f.slice(SSHLOGS.length + 1)}: same findings and counts`, async () => {
      for (const make of [defaultLogsDetectors, eager]) {
        const { records, events } = await bothPaths(f, make);
        expect(records).toEqual(events);
      }
    });

  it('all real logs shuffled into one file: same findings, and there are findings of every SSH rule', async () => {
    const lines = files.flatMap((f) => readFileSync(f, 'latin1').split('\n')).filter((l) => l.length > 0);
    // The real logs hold no root login by password.
    lines.push(
      'Jan  3 10:00:00 web1 sshd[4242]: Accepted password for root from 203.0.113.7 port 51515 ssh2',
    );
    let seed = 11;
    for (let i = lines.length - 1; i > 0; i--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = seed % (i + 1);
      [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
    }
    const file = join(tmp, 'shuffled.log');
    writeFileSync(file, `${lines.join('\n')}\n`, 'latin1');
    const { records, events } = await bothPaths(file, eager);
    expect(records).toEqual(events);
    const rules = new Set(records.findings.map((f) => f.ruleId));
    for (const r of [
      'ssh.brute-force',
      'ssh.user-enumeration',
      'ssh.password-spray',
      'ssh.success-after-failures',
      'ssh.root-password-login',
      'ssh.fleet-attacker-login',
    ])
      expect(rules).toContain(r);
  });

  it("the bench generator's lines (50,000): same findings and counts", async () => {
    const { generate } = (await import(GENERATOR)) as {
      generate: (file: string, n: number) => Promise<void>;
    };
    const file = join(tmp, 'bench.log');
    await generate(file, 50_000);
    for (const make of [defaultLogsDetectors, eager]) {
      const { records, events } = await bothPaths(file, make);
      expect(records.findings.length).toBeGreaterThan(10);
      expect(records).toEqual(events);
    }
  });
});
