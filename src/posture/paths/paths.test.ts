import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeRoot, tcp4Line } from '../../../test/helpers/fake-proc.js';
import { runPosture } from '../posture.js';
import { pathsDot, pathsText } from './render.js';

const fake = new FakeRoot()
  .add({ pid: 1, comm: 'systemd', argv: ['/sbin/init'], exe: '/sbin/init' })
  .add({ pid: 300, comm: 'sshd', argv: ['/usr/sbin/sshd', '-D'], exe: '/usr/sbin/sshd', sockets: [100] })
  .add({
    pid: 400,
    comm: 'redis-server',
    argv: ['redis-server *:6379'],
    exe: '/usr/bin/redis-server',
    sockets: [200],
  })
  .netTable('tcp', [
    tcp4Line(0, '0.0.0.0', 22, '0.0.0.0', 0, '0A', 100),
    tcp4Line(1, '0.0.0.0', 6379, '0.0.0.0', 0, '0A', 200),
  ]);
const put = (rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(fake.root, rel)), { recursive: true });
  writeFileSync(path.join(fake.root, rel), text);
};
put('etc/ssh/sshd_config', 'PermitRootLogin no\nPasswordAuthentication yes\n');
put('etc/redis/redis.conf', 'bind 0.0.0.0\nprotected-mode no\n');
put('var/run/docker.sock', '');
put('root/.aws/credentials', '[default]\n');
const tf = path.join(fake.root, 'sg.tf');
writeFileSync(
  tf,
  'resource "aws_security_group" "cache" {\n  ingress {\n    from_port = 6379\n    to_port = 6379\n    protocol = "tcp"\n    cidr_blocks = ["0.0.0.0/0"]\n  }\n}\n',
);
afterAll(() => fake.cleanup());

describe('attack paths', () => {
  it('ranks the path through an unauthenticated Redis open in a cloud rule above SSH passwords', async () => {
    const r = await runPosture({
      root: fake.root,
      terraform: [tf],
      noVulns: true,
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expect(r.paths.length).toBe(2);
    const [top, second] = r.paths;
    expect(top!.nodes.map((n) => n.kind)).toEqual(['internet', 'exposure', 'weakness', 'host']);
    expect(top!.nodes[1]!.label).toMatch(/6379 redis \(any, open in a cloud rule\)/);
    expect(top!.nodes[2]!.ruleId).toBe('posture.host.redis-no-auth');
    expect(top!.factors).toEqual({ exposure: 1, exploitability: 0.8, knownUse: 1, impact: 1 });
    expect(top!.score).toBe(80);
    expect(top!.gains.map((g) => g.label)).toEqual([
      'root on the host through /var/run/docker.sock',
      'cloud credentials in /root/.aws/credentials',
      'root: redis runs as root',
    ]);
    expect(second!.nodes[2]!.ruleId).toBe('posture.host.ssh-password-auth');
    expect(second!.score).toBeLessThan(top!.score);
  });

  it('renders a text tree and a DOT graph that share nodes', async () => {
    const r = await runPosture({
      root: fake.root,
      terraform: [tf],
      noVulns: true,
      now: new Date('2026-01-01T00:00:00Z'),
    });
    const text = pathsText(r.paths);
    expect(text.split('\n')[0]).toBe('[ 80] internet');
    expect(text).toMatch(/└─ gain: root: redis runs as root/);
    const dot = pathsDot(r.paths);
    expect(dot.startsWith('digraph attack_paths {')).toBe(true);
    // One internet node and one node per gain, however many paths reach them.
    expect(dot.match(/label="internet"/g)).toHaveLength(1);
    expect(dot.match(/label="cloud credentials in \/root\/.aws\/credentials"/g)).toHaveLength(1);
  });

  it('without host data a cloud rule alone is a low-score path (service state unknown)', async () => {
    const r = await runPosture({ terraform: [tf], now: new Date('2026-01-01T00:00:00Z') });
    expect(r.paths.map((p) => [p.score, p.nodes.map((n) => n.kind)])).toEqual([
      [7, ['internet', 'exposure']],
    ]);
  });
});
