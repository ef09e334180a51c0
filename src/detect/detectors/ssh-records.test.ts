import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { line } from '../../../test/fixtures/authlog/lines.js';
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

  it('detectors of one set that count differently keep a count and an attempt log per counting', async () => {
    // Brute force expands the folded repeat (6 attempts), success-after-failures does not (2 attempts).
    const file = join(tmp, 'two-countings.log');
    writeFileSync(
      file,
      [
        line(0, 'Failed password for root from 192.0.2.9 port 4 ssh2'),
        line(1, 'message repeated 5 times: [ Failed password for root from 192.0.2.9 port 4 ssh2]'),
        line(2, 'Accepted password for root from 192.0.2.9 port 5 ssh2', 1001),
        '',
      ].join('\n'),
    );
    const make = () =>
      sshDetectors({ bruteForce: { expandRepeats: true }, successAfterFailures: { minFailures: 2 } });
    const { records, events } = await bothPaths(file, make);
    expect(records).toEqual(events);
    const byRule = new Map(records.findings.map((f) => [f.ruleId, f.evidence]));
    expect(byRule.get('ssh.brute-force')).toMatchObject({ attempts: 6 });
    expect(byRule.get('ssh.success-after-failures')).toMatchObject({ failuresBefore: 2 });
    // With repeats expanded for both, the success follows six failures.
    const expanded = await analyzeLogFiles(
      [file],
      'h',
      sshDetectors({
        bruteForce: { expandRepeats: true },
        successAfterFailures: { minFailures: 2, expandRepeats: true },
      }),
    );
    const after = expanded.findings.find((f) => f.ruleId === 'ssh.success-after-failures');
    expect(after?.evidence).toMatchObject({ failuresBefore: 6 });
  });
});
