import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeRoot } from '../../test/helpers/fake-proc.js';
import { takeSnapshot } from '../sources/procfs/snapshot.js';
import { parseCgroupFile, readCgroupCpu, readProcessCgroupCpu } from './cgroup-cpu.js';
import { usageSampleOf } from './sample.js';

const CID = 'c'.repeat(64);
const DID = 'd'.repeat(64);

function put(root: string, rel: string, text: string): void {
  const p = join(root, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
}

describe('container CPU from cgroups', () => {
  let fake: FakeRoot;
  afterEach(() => fake?.cleanup());

  it('parses v2 and v1 membership and refuses paths that climb out of the cgroup mount', () => {
    expect(parseCgroupFile(`0::/system.slice/docker-${CID}.scope\n`)).toEqual({
      v2: `/system.slice/docker-${CID}.scope`,
      v1: null,
    });
    expect(parseCgroupFile(`4:cpu,cpuacct:/docker/${DID}\n3:memory:/docker/${DID}\n`).v1).toEqual({
      controllers: 'cpu,cpuacct',
      path: `/docker/${DID}`,
    });
    expect(parseCgroupFile('0::/../../../etc\n')).toEqual({ v2: null, v1: null });
    expect(parseCgroupFile('4:cpuacct:/a/./b\n0::relative\ngarbage\n')).toEqual({ v2: null, v1: null });
    expect(parseCgroupFile('0::/\n').v2).toBe('');
  });

  it('reads cgroup v2 cpu.stat usage_usec and v1 cpuacct.usage under --root', () => {
    fake = new FakeRoot();
    put(
      fake.root,
      `sys/fs/cgroup/system.slice/docker-${CID}.scope/cpu.stat`,
      'usage_usec 12345678\nuser_usec 10000000\nsystem_usec 2345678\n',
    );
    put(fake.root, `sys/fs/cgroup/cpu,cpuacct/docker/${DID}/cpuacct.usage`, '98765432100\n');
    expect(readCgroupCpu(fake.root, { v2: `/system.slice/docker-${CID}.scope`, v1: null })).toMatchObject({
      cpuSeconds: 12.345678,
      source: 'cgroup2 cpu.stat',
    });
    expect(
      readCgroupCpu(fake.root, { v2: null, v1: { controllers: 'cpu,cpuacct', path: `/docker/${DID}` } }),
    ).toMatchObject({
      cpuSeconds: 98.7654321,
      source: 'cgroup1 cpuacct.usage',
    });
    expect(readCgroupCpu(fake.root, { v2: '/nope', v1: null })).toBeNull();
    put(fake.root, 'sys/fs/cgroup/bad/cpu.stat', 'usage_usec -5\n');
    expect(readCgroupCpu(fake.root, { v2: '/bad', v1: null })).toBeNull();
  });

  it('puts containers in the usage sample, from the cgroup when readable and from their processes when not', async () => {
    fake = new FakeRoot();
    fake
      .add({ pid: 1, comm: 'init', argv: ['/sbin/init'], exe: '/sbin/init', utime: 100, stime: 50 })
      .add({
        pid: 10,
        comm: 'nginx',
        argv: ['nginx'],
        cgroup: `0::/system.slice/docker-${CID}.scope\n`,
        utime: 300,
        stime: 100,
      })
      .add({
        pid: 11,
        comm: 'worker',
        argv: ['worker'],
        cgroup: `0::/system.slice/docker-${CID}.scope\n`,
        utime: 5,
        stime: 5,
      })
      .add({
        pid: 20,
        comm: 'xmrig',
        argv: ['xmrig'],
        cgroup: `4:cpu,cpuacct:/docker/${DID}\n`,
        utime: 9000,
        stime: 1000,
      });
    put(fake.root, `sys/fs/cgroup/system.slice/docker-${CID}.scope/cpu.stat`, 'usage_usec 4200000\n');
    expect(readProcessCgroupCpu(fake.root, fake.proc, 10)?.cpuSeconds).toBe(4.2);
    const snap = await takeSnapshot({ root: fake.root, sampleMs: 0, hash: false });
    const s = usageSampleOf(snap, fake.root);
    const byId = new Map(s.containers.map((c) => [c.id, c]));
    expect(byId.get(CID)).toMatchObject({ cpuSeconds: 4.2, source: 'cgroup2 cpu.stat', runtime: 'docker' });
    // No cpuacct file for the second container: the sum of its processes (100 s), said so.
    expect(byId.get(DID)).toMatchObject({ cpuSeconds: 100, source: 'processes' });
    // /proc/stat of the fake root: user 100 + system 100 ticks busy.
    expect(s.hostCpuSeconds).toBe(2);
    expect(s.processes[0]).toMatchObject({ pid: 20, cpuSeconds: 100 });
  });
});
