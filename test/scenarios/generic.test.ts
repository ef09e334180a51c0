import { afterAll, describe, expect, it } from 'vitest';
import { expectStages, Scenario } from './harness.js';

/** Installed-looking software that nothing names as a miner: only its behaviour gives it away. */
const BASE = '/var/lib/mwscn';
const MIN_AGE_MS = 16_000;
/** Busy programs that share the miner's CPU, each in its own session (so session autogrouping gives each a share). */
const CONTENDERS = 3;

/**
 * A renamed, recompiled miner with no tell-tale name, path or arguments: it sits in a system-looking directory,
 * computes without pause and keeps one quiet connection to a pool on a port no list knows. Only its behaviour
 * (miner.behaviour) and its unpackaged CPU use give it away. It is made to compete for one CPU with other busy
 * programs, so it gets well under a core whatever the machine's own load: the product must find a miner on a
 * contended host, where it is runnable all the time but gets few cycles.
 */
describe('scenario: generic renamed miner', () => {
  const s = new Scenario('generic', '127.0.0.16', { base: BASE, hidden: false });
  afterAll(() => s.close());

  it('is reported by behaviour, with the impact stage and no attribution', {
    timeout: 40_000,
  }, async () => {
    s.dpkg();
    await s.pool(28443);
    const worker = s.binary('bin/dbus-worker');
    const m = await s.start(worker, ['dbus-worker', '--session'], {
      MWS_BURN: '2',
      MWS_CPU: '0',
      MWS_POOL: `${s.ip}:28443`,
    });
    for (let i = 0; i < CONTENDERS; i++)
      await s.start(s.binary(`contender-${i}/render`), ['render'], { MWS_BURN: '1', MWS_CPU: '0' });
    await s.connected(1);
    await new Promise((r) => setTimeout(r, Math.max(0, m.startedAt + MIN_AGE_MS - Date.now())));
    const out = await s.scan();

    const { incident, findings } = s.incidentOf(out, 'miner.behaviour', m.pid);
    const behaviour = findings.find((f) => f.ruleId === 'miner.behaviour');
    expect(behaviour).toMatchObject({
      severity: 'high',
      evidence: { remote: `${s.ip}:28443`, packageDb: 'dpkg' },
    });
    // It got less than the half core a busy process used to need, yet its two spinning threads wanted two cores
    // (running + waiting on a runqueue), and that is what the detectors judge.
    expect(behaviour?.evidence.averageCores).toBeLessThan(0.5);
    expect(behaviour?.evidence.averageDemandCores).toBeGreaterThan(1);
    const rules = findings.map((f) => f.ruleId);
    expect(rules).toContain('miner.cpu-sustained');
    for (const nameBased of [
      'miner.cmdline',
      'proc.exe.writable-path',
      'net.miner-port',
      'net.writable-path-connection',
    ])
      expect(rules).not.toContain(nameBased);
    expectStages(incident, ['impact']);
    expect(incident.title).toMatch(/^Cryptomining on /);
    expect(incident.attribution).toEqual([]);
  });
});
