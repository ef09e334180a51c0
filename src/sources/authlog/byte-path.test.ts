import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { realSshLogs, SSHLOGS } from '../../../test/helpers/sshlogs.js';
import type { TelemetryEvent } from '../../model/event.js';
import { AuthLogParser } from './parser.js';

/**
 * Lines of the real logs, shuffled and damaged the ways real files are: CRLF ends, months out of order (year
 * inference across New Year both ways), odd spacing, other programs, missing hosts, control bytes, non-ASCII
 * user names and hosts, fractional seconds and years in the stamp.
 */
function mixedLines(sources: readonly string[], n: number): Buffer[] {
  const pool = sources.flatMap((f) => readFileSync(f, 'latin1').split('\n')).filter((l) => l.length > 0);
  let seed = 7;
  const rnd = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const damage: ((l: string) => string)[] = [
    (l) => `${l}\r`,
    (l) => l.replace(/user (\S+)/, 'user Ünïcødé€'),
    (l) => l.slice(0, Math.floor(rnd() * l.length)),
    (l) => `<38>${l}`,
    (l) => `${l}\u0001garbage`,
    (l) => l.replace(/^(\S+ +\S+ \S+) (\S+)/, '$1 $2.example.com'),
    (l) => l.replace('sshd[', 'CRON['),
    (l) => l.replace('sshd[', 'sshd-session['),
    (l) => l.replace(/\]: /, ']:  '),
    (l) => l.replace(/ \S+ sshd/, ' sshd'),
    (l) => l.replace(/^(\S+ +\S+ \S+)/, '$1.123456'),
    (l) => l.replace(/^(\S+ +\S+ \S+)/, '$1 2024'),
    (l) => l.replace(/^(\S+ +\S+ \S+) /, '$1   '),
    (l) => l.replace(/^(\S+ +\S+ \S+) \S+/, '$1 10.1.2.3'),
    (l) => l.replace(/^(\S+ +\S+ \S+) \S+/, '$1 hôte'),
    (l) => l.replace(/^(\S+) +\d+/, '$1 32'),
    (l) => l.replace(/\[\d+\]/, '[]'),
    (l) => l.replace(/\[\d+\]/, ''),
  ];
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    let l = pool[Math.floor(rnd() * pool.length)] as string;
    if (rnd() < 0.3) l = (damage[Math.floor(rnd() * damage.length)] as (l: string) => string)(l);
    out.push(Buffer.from(l, rnd() < 0.5 ? 'utf8' : 'latin1'));
  }
  return out;
}

const ref = Date.UTC(2026, 0, 3, 12);

/** Events of the same lines through parseLine (strings) and parseBytes (one buffer, lines in place). */
function bothWays(
  lines: readonly Buffer[],
): [TelemetryEvent[], TelemetryEvent[], AuthLogParser, AuthLogParser] {
  const byString = new AuthLogParser({ referenceTime: ref, hostId: 'x' });
  const byBytes = new AuthLogParser({ referenceTime: ref, hostId: 'x' });
  const a: TelemetryEvent[] = [];
  for (const l of lines) a.push(...byString.parseLine(l.toString('utf8')));
  const whole = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
  const b: TelemetryEvent[] = [];
  let start = 0;
  for (const l of lines) {
    byBytes.parseBytes(whole, start, start + l.length, b);
    start += l.length + 1;
  }
  return [a, b, byString, byBytes];
}

describe('parseBytes gives what parseLine gives', () => {
  const files = realSshLogs();

  it('finds the real logs', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  for (const f of files)
    it(`${f.slice(SSHLOGS.length + 1)}: same events and counts`, () => {
      const lines = readFileSync(f)
        .toString('latin1')
        .split('\n')
        .map((l) => Buffer.from(l, 'latin1'));
      const [a, b, s, y] = bothWays(lines);
      expect(b).toEqual(a);
      expect(y.stats).toEqual(s.stats);
    });

  it('20,000 shuffled and damaged lines: same events, times and counts', () => {
    const [a, b, s, y] = bothWays(mixedLines(files, 20_000));
    expect(a.length).toBeGreaterThan(5000);
    expect(s.stats.skippedBinary).toBeGreaterThan(0);
    expect(b).toEqual(a);
    expect(y.stats).toEqual(s.stats);
  });
});
