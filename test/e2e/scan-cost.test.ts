import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { sum } from '../../src/cost/money.js';
import type { Finding } from '../../src/model/finding.js';
import type { Incident } from '../../src/model/incident.js';
import { runCli } from '../helpers/cli.js';

const WALLET =
  '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';

/**
 * A harmless miner stand-in: a bash busy loop whose argv carries xmrig's options (bash ignores the positional
 * parameters after the script), so it burns CPU like a miner and is named like one, without any network use.
 */
function startStandIn(): ChildProcess {
  return spawn(
    'bash',
    [
      '-c',
      'while :; do :; done',
      'kdevtmpfsi',
      '-o',
      'stratum+tcp://127.0.0.1:3333',
      '-u',
      WALLET,
      '--donate-level',
      '1',
    ],
    { stdio: 'ignore' },
  );
}

let child: ChildProcess | null = null;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((r) => child?.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }
  child = null;
});

describe('scan prices what a miner costs', () => {
  it('puts evidence.cost { currency, sinceStart, perHour, perMonth, basis } on the miner finding', async () => {
    child = startStandIn();
    const pid = child.pid as number;
    await sleep(700);
    const r = await runCli(['scan', '--format', 'json', '--interval', '500', '--no-hash']);
    expect([0, 1], r.stderr).toContain(r.code);
    const { findings, incidents } = JSON.parse(r.stdout) as { findings: Finding[]; incidents: Incident[] };
    const miner = findings.find((f) => f.ruleId === 'miner.cmdline' && f.entity.pid === pid);
    expect(miner).toBeDefined();
    const cost = miner?.evidence.cost as {
      currency: string;
      sinceStart: number;
      perHour: number;
      perMonth: number;
      basis: string;
      cpuSeconds: number;
      cpuPercent: number;
      perVcpuHour: number;
    };
    expect(cost.currency).toBe('USD');
    expect(cost.basis).toContain('m5.large');
    // The stand-in spun the whole time: CPU seconds close to what the kernel shows now (it keeps spinning).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const kernelNow = (Number(f[11]) + Number(f[12])) / 100;
    expect(cost.cpuSeconds).toBeGreaterThan(0.3);
    expect(cost.cpuSeconds).toBeLessThanOrEqual(kernelNow);
    // Money from CPU: 0.048 USD per vCPU-hour (m5.large 0.096 / 2), rounded once to 6 places.
    expect(cost.perVcpuHour).toBe(0.048);
    expect(cost.sinceStart).toBeCloseTo((cost.cpuSeconds * 0.048) / 3600, 6);
    // The machine is shared, so how much of a core the loop got varies; the rate must follow whatever it got.
    expect(cost.cpuPercent).toBeGreaterThan(0);
    expect(cost.perHour).toBeCloseTo((cost.cpuPercent / 100) * 0.048, 6);
    expect(cost.perMonth).toBeCloseTo((cost.cpuPercent / 100) * 0.048 * 730, 5);
    // Every miner rule on the pid carries it; the pool port rule would too, but the stand-in opens no socket.
    for (const m of findings.filter((x) => x.entity.pid === pid && x.ruleId.startsWith('miner.'))) {
      expect(m.evidence.cost).toBeDefined();
    }
    // Its incident is priced from the priced processes in it, each once however many rules saw it.
    const incident = incidents.find((i) => i.id === miner?.incidentId);
    const priced = new Map<number, typeof cost>();
    for (const x of findings)
      if (x.incidentId === incident?.id && x.entity.pid !== undefined && x.evidence.cost)
        priced.set(x.entity.pid, x.evidence.cost as typeof cost);
    expect(priced.get(pid)).toEqual(cost);
    const usd = incident?.cost?.money.find((m) => m.currency === 'USD');
    expect(incident?.cost?.processes).toBe(priced.size);
    expect(usd?.spent).toBe(sum([...priced.values()].map((c) => c.sinceStart)));
    expect(usd?.perHour).toBe(sum([...priced.values()].map((c) => c.perHour)));
    expect(usd?.perMonth).toBe(sum([...priced.values()].map((c) => c.perMonth)));
    expect(incident?.cost?.cpuSeconds).toBe(sum([...priced.values()].map((c) => c.cpuSeconds)));
    expect(incident?.cost?.lastSeen).toBe(new Date(miner?.time ?? 0).toISOString());
    // Incidents without a priced process carry no cost.
    for (const i of incidents)
      if (!findings.some((x) => x.incidentId === i.id && x.evidence.cost)) expect(i.cost).toBeUndefined();

    const table = await runCli(['scan', '--interval', '300', '--no-hash']);
    expect(table.stdout).toMatch(/severity\s+incident\s+stages\s+findings\s+cost\s+title/);
    expect(table.stdout).toMatch(/\d+\.\d{2,4} USD so far, \d+\.\d{2,4} USD\/h/);
  });

  it('shows a cost column for the top processes in the table', async () => {
    const r = await runCli(['scan', '--interval', '0', '--no-hash', '--top', '3']);
    expect(r.stdout).toMatch(/pid\s+user\s+cpu%\s+cpu-s\s+cost\s+rss\s+command/);
    expect(r.stdout).toMatch(/\d+\.\d{2,4} USD/);
    expect(r.stdout).toContain('/vCPU-hour');
  });
});
