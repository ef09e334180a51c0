import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAuthLogFile } from '../../sources/authlog/index.js';
import { StatefulDetection } from '../stateful.js';
import { sshDetectors } from './ssh-detectors.js';

const LOGHUB = resolve(import.meta.dirname, '../../../../shared/data/sshlogs/loghub/OpenSSH/OpenSSH_2k.log');
const HOST = { id: 'h', name: 'h' };

function hasFail2banRegex(): boolean {
  try {
    execFileSync('fail2ban-regex', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const required = process.env.MINEWARDEN_REQUIRE_SERVICES === '1';
const available = hasFail2banRegex();

/** fail2ban's failures as (ip, epoch seconds), from `fail2ban-regex -o row` with the stock sshd filter. */
function fail2banFailures(file: string): { ip: string; t: number }[] {
  const out = execFileSync('fail2ban-regex', ['-r', '-o', 'row', file, 'sshd'], { encoding: 'utf8' });
  const rows: { ip: string; t: number }[] = [];
  for (const line of out.split('\n')) {
    const m = /^\['([^']+)',\s+([\d.]+),/.exec(line);
    if (m?.[1] && m[2]) rows.push({ ip: m[1], t: Number(m[2]) });
  }
  return rows;
}

/** IPs with maxretry failures inside any findtime window: what fail2ban's jail would ban. */
function overThreshold(rows: { ip: string; t: number }[], maxRetry: number, findTime: number): Set<string> {
  const byIp = new Map<string, number[]>();
  for (const r of rows) byIp.set(r.ip, [...(byIp.get(r.ip) ?? []), r.t]);
  const out = new Set<string>();
  for (const [ip, times] of byIp) {
    times.sort((a, b) => a - b);
    for (let i = maxRetry - 1; i < times.length; i++)
      if ((times[i] as number) - (times[i - maxRetry + 1] as number) <= findTime) out.add(ip);
  }
  return out;
}

async function ourBruteForceIps(file: string): Promise<Set<string>> {
  const det = new StatefulDetection(sshDetectors(), HOST);
  for await (const e of readAuthLogFile(file)) det.process(e);
  return new Set(
    det
      .results()
      .filter((f) => f.ruleId === 'ssh.brute-force')
      .map((f) => f.entity.ip as string),
  );
}

describe('ssh.brute-force against fail2ban on a real log', () => {
  it.skipIf(!available && !required)(
    'flags exactly the addresses fail2ban-regex (stock sshd filter) puts over maxretry=5 in findtime=600',
    async () => {
      expect(
        available,
        'fail2ban-regex is required (MINEWARDEN_REQUIRE_SERVICES=1); apt-get install fail2ban',
      ).toBe(true);
      const theirs = overThreshold(fail2banFailures(LOGHUB), 5, 600);
      expect(theirs.size).toBeGreaterThan(0);
      const ours = await ourBruteForceIps(LOGHUB);
      expect([...ours].sort()).toEqual([...theirs].sort());
    },
  );

  it('reports counts, accounts tried, first and last time and sample lines', async () => {
    const det = new StatefulDetection(sshDetectors(), HOST);
    for await (const e of readAuthLogFile(LOGHUB)) det.process(e);
    const f = det.results().find((x) => x.ruleId === 'ssh.brute-force' && x.entity.ip === '183.62.140.253');
    expect(f).toBeDefined();
    const ev = f?.evidence as Record<string, unknown>;
    expect(ev.attempts as number).toBeGreaterThan(100);
    expect((ev.usersTried as string[]).includes('root')).toBe(true);
    expect(Date.parse(ev.lastSeen as string)).toBeGreaterThan(Date.parse(ev.firstSeen as string));
    expect((ev.sampleLines as string[]).every((l) => l.includes('183.62.140.253'))).toBe(true);
  });
});
