import { afterAll, describe, expect, it } from 'vitest';
import { expectStages, Scenario, WALLET } from './harness.js';

/**
 * Kek Security (Necro / FreakOut): a Python IRC bot in a hidden /tmp directory that drops XMRig; both restarted
 * from cron.
 */
describe('scenario: Kek Security', () => {
  const s = new Scenario('kek', '127.0.0.15');
  afterAll(() => s.close());

  it('is one incident with IRC command and control and a miner, attributed to Kek Security', async () => {
    await s.pool(3333);
    await s.irc(6667);
    const bot = s.binary('.pybot/python3');
    const miner = s.binary('.pybot/xmrig');
    s.plant(
      'var/spool/cron/crontabs/root',
      `@reboot ${bot} ${s.work}/.pybot/necro.py\n*/5 * * * * ${miner}\n`,
      0o600,
    );
    const b = await s.start(bot, ['python3', `${s.work}/.pybot/necro.py`], { MWS_IRC: `${s.ip}:6667` });
    const m = await s.start(miner, ['xmrig', '-o', `${s.ip}:3333`, '-u', WALLET, '-a', 'rx/0'], {
      MWS_BURN: '1',
      MWS_POOL: `${s.ip}:3333`,
    });
    await s.connected(2);
    const out = await s.scan();

    const { incident, findings } = s.incidentOf(out, 'miner.cmdline', m.pid);
    const rules = findings.map((f) => f.ruleId);
    expect(rules).toEqual(expect.arrayContaining(['net.irc-c2', 'persist.exec-from-writable-path']));
    expect(findings.some((f) => f.entity.pid === b.pid)).toBe(true);
    expectStages(incident, ['execution', 'persistence', 'command-and-control', 'impact']);
    expect(incident.attribution[0]?.group).toBe('Kek Security');
    expect(incident.attribution[0]?.indicators).toEqual(expect.arrayContaining(['Necro Python bot']));
  });
});
