import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseKeyLine } from '../../src/respond/persistence/ssh-keys.js';
import { DEFAULT_POLICY_YAML } from '../../src/respond/policy.js';
import { runCli } from '../helpers/cli.js';
import { canUseNetns, NetnsPair } from '../helpers/netns.js';

const DIR = `/dev/shm/.mwr-${process.pid}`;
const EXE = `${DIR}/kdevtmpfsi`;
const PORT = 3333;
const WALLET =
  '4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge';
const LEGIT_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHr7mZ5Hq1cWbA9xZbWmV0cJp2i4m3p0YQyQmZ9a1b2c admin@laptop';
const ATTACKER_KEY =
  'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7vbqajDhA4M1nZpWQeFWLZJxg4dQ0hYcZXmQ3m8YvC3bS9fJ2 root@localhost';

interface Entry {
  id: string;
  kind: string;
  target: string;
  status: string;
  detail?: string;
  runId: string;
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('exit', () => r());
  });
}

const netnsOk = canUseNetns();

describe.skipIf(!netnsOk)(
  'respond end to end: miner stand-in, cron line and SSH key, nft in a namespace',
  () => {
    let net: NetnsPair;
    let pool: ChildProcess;
    let miner: ChildProcess;
    let root: string;
    let state: string;
    const cronPath = () => join(root, 'etc/crontab');
    const keysPath = () => join(root, 'root/.ssh/authorized_keys');
    let cronBefore: Buffer;
    let keysBefore: Buffer;

    beforeAll(async () => {
      net = new NetnsPair('resp');
      pool = await net.startPool(PORT);
      mkdirSync(DIR, { recursive: true });
      copyFileSync('/bin/bash', EXE);
      root = mkdtempSync(join(tmpdir(), 'mw-respond-root-'));
      state = mkdtempSync(join(tmpdir(), 'mw-respond-state-'));
      mkdirSync(join(root, 'etc'), { recursive: true });
      mkdirSync(join(root, 'root/.ssh'), { recursive: true, mode: 0o700 });
      writeFileSync(
        cronPath(),
        'SHELL=/bin/sh\n# m h dom mon dow user command\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n' +
          `*/5 * * * * root ${EXE} -o stratum+tcp://${net.poolIp}:${PORT} -u ${WALLET} >/dev/null 2>&1\n`,
        { mode: 0o644 },
      );
      writeFileSync(keysPath(), `${LEGIT_KEY}\n${ATTACKER_KEY}\n`, { mode: 0o600 });
      cronBefore = readFileSync(cronPath());
      keysBefore = readFileSync(keysPath());
      const script = `exec 3<>/dev/tcp/${net.poolIp}/${PORT} || exit 9; read -r -u 3 line`;
      // `ip netns exec` execs the program, so the child pid is the stand-in itself.
      miner = spawn(
        'ip',
        [
          'netns',
          'exec',
          net.host,
          EXE,
          '-c',
          script,
          'kdevtmpfsi',
          '-o',
          `stratum+tcp://${net.poolIp}:${PORT}`,
          '-u',
          WALLET,
          '--donate-level',
          '1',
        ],
        { stdio: 'ignore' },
      );
      for (let i = 0; i < 200; i++) {
        try {
          if (
            readFileSync(`/proc/${miner.pid}/exe`) &&
            execFileSync('ip', ['netns', 'exec', net.host, 'ss', '-Htn', 'state', 'established'], {
              encoding: 'utf8',
            }).includes(`${net.poolIp}:${PORT}`)
          )
            break;
        } catch {}
        await new Promise((r) => setTimeout(r, 25));
      }
    });

    afterAll(async () => {
      miner?.kill('SIGKILL');
      if (miner) await exitOf(miner);
      pool?.kill('SIGKILL');
      net?.destroy();
      rmSync(DIR, { recursive: true, force: true });
      for (const d of [root, state]) if (d) rmSync(d, { recursive: true, force: true });
    });

    it('plans, applies and undoes: process gone, binary quarantined, cron line and key removed, pool blocked, then restored', async () => {
      const legit = parseKeyLine(LEGIT_KEY)!.fingerprint;
      const policyFile = join(state, 'policy.yaml');
      writeFileSync(policyFile, `${DEFAULT_POLICY_YAML}allow:\n  sshKeys: ['${legit}']\n`);
      const common = [
        '--root',
        root,
        '--state-dir',
        state,
        '--netns',
        net.host,
        '--policy',
        policyFile,
        '--format',
        'json',
      ];
      expect(net.canConnect(PORT)).toBe(true);

      const dry = await runCli(['respond', '--pid', String(miner.pid), ...common]);
      expect(dry.stderr).toBe('');
      const planned = JSON.parse(dry.stdout) as { apply: boolean; actions: Entry[] };
      expect(planned.apply).toBe(false);
      const kinds = planned.actions.map((a) => `${a.kind}:${a.status}`);
      expect(kinds).toEqual(
        expect.arrayContaining(['quarantine:planned', 'kill:planned', 'unpersist:planned', 'block:planned']),
      );
      expect(
        planned.actions
          .filter((a) => a.kind === 'unpersist')
          .map((a) => a.target)
          .sort(),
      ).toEqual(['/etc/crontab', '/root/.ssh/authorized_keys']);
      expect(planned.actions.find((a) => a.kind === 'block')?.target).toBe(net.poolIp);
      // A dry run touches nothing.
      expect(existsSync(`/proc/${miner.pid}`)).toBe(true);
      expect(existsSync(EXE)).toBe(true);
      expect(readFileSync(cronPath()).equals(cronBefore)).toBe(true);
      expect(net.canConnect(PORT)).toBe(true);

      // The incident path: a real scan groups the stand-in's findings into an incident. Only our process's findings
      // go into the evidence file, so a parallel test's processes can never become targets.
      const scan = await runCli(['scan', '--format', 'json', '--interval', '0', '--no-hash']);
      const report = JSON.parse(scan.stdout) as {
        findings: Array<{ id: string; incidentId?: string; entity: { pid?: number } }>;
        incidents: Array<{ id: string; findings: string[] }>;
      };
      const ours = report.findings.filter((f) => f.entity.pid === miner.pid);
      const incidentId = ours[0]?.incidentId;
      expect(incidentId).toBeDefined();
      const incident = report.incidents.find((i) => i.id === incidentId)!;
      const ids = new Set(ours.map((f) => f.id));
      const evidence = join(state, 'evidence.json');
      writeFileSync(
        evidence,
        JSON.stringify({
          findings: ours,
          incidents: [{ ...incident, findings: incident.findings.filter((f) => ids.has(f)) }],
        }),
      );

      const run = await runCli([
        'respond',
        '--incident',
        incidentId!,
        '--from',
        evidence,
        '--apply',
        '--confirm',
        ...common,
      ]);
      const applied = JSON.parse(run.stdout) as { runId: string; actions: Entry[] };
      expect(applied.actions.map((a) => a.kind).sort()).toEqual([
        'block',
        'kill',
        'quarantine',
        'unpersist',
        'unpersist',
      ]);
      for (const a of applied.actions) expect(a.status, `${a.kind} ${a.target}: ${a.detail}`).toBe('applied');
      expect(run.code).toBe(0);
      await exitOf(miner);
      expect(miner.signalCode).toBe('SIGKILL');
      expect(existsSync(EXE)).toBe(false);
      const q = applied.actions.find((a) => a.kind === 'quarantine')!;
      expect(q.detail).toContain('quarantined at');
      const cronAfter = readFileSync(cronPath(), 'utf8');
      expect(cronAfter).not.toContain(EXE);
      expect(cronAfter).toContain('run-parts --report /etc/cron.hourly');
      expect(readFileSync(keysPath(), 'utf8')).toBe(`${LEGIT_KEY}\n`);
      expect(net.nftIn(['list', 'set', 'inet', 'minewarden', 'pool_v4'])).toContain(net.poolIp);
      expect(net.canConnect(PORT)).toBe(false);

      const listed = await runCli([
        'respond',
        '--list',
        '--run',
        applied.runId,
        '--state-dir',
        state,
        '--format',
        'json',
      ]);
      expect((JSON.parse(listed.stdout) as { actions: Entry[] }).actions.map((a) => a.id).sort()).toEqual(
        applied.actions.map((a) => a.id).sort(),
      );

      const undo = await runCli([
        'undo',
        '--incident',
        incidentId!,
        '--state-dir',
        state,
        '--format',
        'json',
      ]);
      const outcomes = (
        JSON.parse(undo.stdout) as { outcomes: Array<{ kind: string; ok: boolean; detail: string }> }
      ).outcomes;
      expect(outcomes.filter((o) => o.kind !== 'kill').every((o) => o.ok)).toBe(true);
      expect(outcomes.find((o) => o.kind === 'kill')?.detail).toContain('cannot be undone');
      expect(undo.code).toBe(0);
      expect(readFileSync(cronPath()).equals(cronBefore)).toBe(true);
      expect(readFileSync(keysPath()).equals(keysBefore)).toBe(true);
      expect(readFileSync(EXE).equals(readFileSync('/bin/bash'))).toBe(true);
      expect(net.nftIn(['list', 'set', 'inet', 'minewarden', 'pool_v4'])).not.toContain(net.poolIp);
      expect(net.canConnect(PORT)).toBe(true);
    });
  },
);
