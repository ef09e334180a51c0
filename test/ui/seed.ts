import type { Finding } from '../../src/model/finding.js';
import { findingId } from '../../src/model/finding.js';
import type { Incident } from '../../src/model/incident.js';
import type { Store } from '../../src/store/store.js';
import { MAX_BATCH_FINDINGS } from '../../src/store/types.js';

/**
 * A synthetic fleet written through the store's ingest (the same path agents use), shaped like a real one: a few
 * hosts mining with cost evidence and pools, some with dark agents, some compromised by SSH brute force, many with
 * open doors (posture findings and public listeners), the rest clean with low findings.
 */
export interface SeedOptions {
  hosts: number;
  /** Total findings over the fleet; padded with low-severity posture findings. */
  findings: number;
  now: number;
  prefix?: string;
}

const WALLET =
  '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';
const POOLS = ['pool.supportxmr.com:3333', 'xmr.pool.minergate.com:45700', 'gulf.moneroocean.stream:10128'];

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function finding(
  host: { id: string; name: string },
  ruleId: string,
  d: Pick<Finding, 'title' | 'severity' | 'category' | 'entity' | 'evidence'> & Partial<Finding>,
  time: string,
): Finding {
  return {
    id: findingId(host.id, ruleId, d.entity),
    ruleId,
    confidence: 0.9,
    techniques: [],
    host,
    time,
    ...d,
  };
}

function cost(cpuPercent: number): Record<string, unknown> {
  const perHour = Math.round(cpuPercent * 0.0416 * 1e4) / 1e6;
  return {
    currency: 'USD',
    sinceStart: perHour * 5,
    perHour,
    perMonth: Math.round(perHour * 730 * 1e6) / 1e6,
    basis: 'synthetic test price 0.0416 USD per vCPU-hour',
    cpuSeconds: 18_000,
    childCpuSeconds: 0,
    cpuPercent,
    perVcpuHour: 0.0416,
    rate: 'sampled',
  };
}

interface HostPlan {
  host: { id: string; name: string };
  kind: 'mining' | 'dark' | 'compromised' | 'exposed' | 'clean';
  findings: Finding[];
  incidents: Incident[];
  lastBeat: number;
  listeners: Array<{ transport: 'tcp'; ip: string; port: number; scope: string; process?: string }>;
}

function planHost(i: number, o: SeedOptions): HostPlan {
  const prefix = o.prefix ?? 'node';
  const host = {
    id: `h-${prefix}-${String(i).padStart(4, '0')}`,
    name: `${prefix}-${String(i).padStart(4, '0')}`,
  };
  const kinds = ['mining', 'exposed', 'compromised', 'exposed', 'clean', 'dark', 'clean', 'exposed'] as const;
  const kind = kinds[i % kinds.length]!;
  const t0 = o.now - 6 * 3_600_000;
  const t = iso(o.now - 60_000);
  const fs: Finding[] = [];
  const incidents: Incident[] = [];
  const listeners: HostPlan['listeners'] = [
    { transport: 'tcp', ip: '127.0.0.1', port: 631, scope: 'loopback' },
  ];
  if (kind === 'mining') {
    const pool = POOLS[i % POOLS.length]!;
    const pid = 4000 + i;
    const startTime = iso(t0);
    const exe = `/dev/shm/.x/kdevtmpfsi`;
    const proc = { kind: 'process' as const, pid, exe, startTime };
    const cmd = `${exe} -o stratum+tcp://${pool} -u ${WALLET} --donate-level 1`;
    const a = finding(
      host,
      'miner.cmdline',
      {
        title: 'Process command line looks like a cryptocurrency miner',
        severity: 'critical',
        category: 'impact',
        entity: proc,
        evidence: { commandLine: cmd, cost: cost(180 + (i % 5) * 20) },
        recommendation: 'Kill the process, quarantine its binary and block the pool.',
      },
      t,
    );
    const b = finding(
      host,
      'proc.exe.writable-dir',
      {
        title: 'Process runs from a world-writable directory',
        severity: 'high',
        category: 'defense-evasion',
        entity: proc,
        evidence: { exe, dir: '/dev/shm/.x' },
      },
      t,
    );
    const c = finding(
      host,
      'persist.cron',
      {
        title: 'Cron entry starts a program from a writable directory',
        severity: 'high',
        category: 'persistence',
        entity: { kind: 'file', path: '/etc/cron.d/0systemd' },
        evidence: { line: `*/5 * * * * root ${exe}`, paths: [exe] },
        recommendation: 'Remove the cron entry.',
      },
      t,
    );
    fs.push(a, b, c);
    incidents.push({
      id: `inc-${host.id}`,
      host,
      severity: 'critical',
      title: `Cryptominer kdevtmpfsi on ${host.name}`,
      firstSeen: iso(t0),
      lastSeen: t,
      stages: ['execution', 'persistence', 'defense-evasion', 'impact'],
      entryPoint: null,
      attribution: [{ group: 'Kinsing', score: 0.8, indicators: ['kdevtmpfsi', '/dev/shm/.x'] }],
      findings: [a.id, b.id, c.id],
    });
  }
  if (kind === 'compromised' || kind === 'mining') {
    const ip = `203.0.113.${(i % 7) + 10}`;
    const brute = finding(
      host,
      'ssh.brute-force',
      {
        title: 'SSH brute force from one address',
        severity: 'high',
        category: 'credential-access',
        entity: { kind: 'source-ip', ip },
        evidence: { failures: 200 + i, users: ['root', 'admin'] },
        recommendation: 'Ban the address; turn off SSH password authentication.',
      },
      t,
    );
    fs.push(brute);
    if (kind === 'compromised')
      incidents.push({
        id: `inc-${host.id}`,
        host,
        severity: 'high',
        title: `SSH brute force succeeded on ${host.name}`,
        firstSeen: iso(t0),
        lastSeen: t,
        stages: ['credential-access'],
        entryPoint: `ssh from ${ip}`,
        attribution: [],
        findings: [brute.id],
      });
  }
  if (kind === 'exposed' || kind === 'compromised' || kind === 'mining') {
    listeners.push({ transport: 'tcp', ip: '0.0.0.0', port: 22, scope: 'any', process: 'sshd' });
    listeners.push({ transport: 'tcp', ip: '0.0.0.0', port: 6379, scope: 'any', process: 'redis-server' });
    fs.push(
      finding(
        host,
        'posture.host.ssh-password-auth',
        {
          title: 'SSH accepts passwords (brute-force target)',
          severity: 'high',
          category: 'posture',
          entity: { kind: 'config', path: '/etc/ssh/sshd_config', port: 22 },
          evidence: { file: '/etc/ssh/sshd_config', line: 57 },
        },
        t,
      ),
      finding(
        host,
        'posture.host.redis-no-auth',
        {
          title: 'Redis accepts commands without a password',
          severity: 'critical',
          category: 'posture',
          entity: { kind: 'service', name: 'redis-server', port: 6379 },
          evidence: { file: '/etc/redis/redis.conf' },
        },
        t,
      ),
    );
  }
  return {
    host,
    kind,
    findings: fs,
    incidents,
    lastBeat: kind === 'dark' ? o.now - 3_600_000 : o.now - 30_000,
    listeners,
  };
}

function padding(plans: HostPlan[], total: number, now: number): void {
  let have = plans.reduce((n, p) => n + p.findings.length, 0);
  for (let k = 0; have < total; k++) {
    const p = plans[k % plans.length]!;
    p.findings.push(
      finding(
        p.host,
        'posture.host.world-writable-cron',
        {
          title: 'File in a cron directory is writable by others',
          severity: k % 3 === 0 ? 'low' : 'info',
          category: 'posture',
          entity: { kind: 'file', path: `/etc/cron.d/job-${k}` },
          evidence: { mode: '0666' },
        },
        iso(now - 120_000),
      ),
    );
    have++;
  }
}

export async function seedFleet(store: Store, o: SeedOptions): Promise<HostPlan[]> {
  const plans = Array.from({ length: o.hosts }, (_, i) => planHost(i, o));
  padding(plans, o.findings, o.now);
  for (const p of plans) {
    if (p.kind === 'mining') {
      // The same findings seen hours earlier: first/last seen come from event times, so the cost chart has a span.
      const early = iso(o.now - (4 + (plans.indexOf(p) % 5)) * 3_600_000);
      await store.fleet.ingest(
        {
          batchId: `seed-early-${p.host.id}`,
          host: p.host,
          findings: p.findings.map((f) => ({ ...f, time: early })),
          incidents: [],
          heartbeats: [],
          inventory: [],
        },
        null,
        new Date(Date.parse(early)),
      );
    }
    for (let i = 0; i === 0 || i < p.findings.length; i += MAX_BATCH_FINDINGS) {
      await store.fleet.ingest(
        {
          batchId: `seed-${p.host.id}-${i}`,
          host: { ...p.host, os: 'Debian GNU/Linux 12', kernel: '6.1.0-18-amd64', cpus: 4 },
          findings: p.findings.slice(i, i + MAX_BATCH_FINDINGS),
          incidents: i === 0 ? p.incidents : [],
          heartbeats: i === 0 ? [{ id: `hb-${p.host.id}`, time: iso(p.lastBeat), intervalMs: 60_000 }] : [],
          inventory:
            i === 0
              ? [
                  {
                    id: `inv-${p.host.id}`,
                    time: iso(o.now - 60_000),
                    processes: { total: 120, byUser: { root: 80 } },
                    listeners: p.listeners,
                    packages: [],
                  },
                ]
              : [],
        },
        null,
        new Date(o.now - 60_000),
      );
    }
  }
  return plans;
}
