import { describe, expect, it } from 'vitest';
import { containerFromCgroup } from './cgroup.js';
import { splitCmdline } from './cmdline.js';
import { parseNetTable } from './net.js';
import { parseExeLink } from './process.js';
import { parseStat } from './stat.js';
import { parseStatus } from './status.js';

const STAT_TAIL = '0 0 0 -1 4194560 0 0 0 0 120 30 4 2 20 0 3 0 5000 1000000 250 18446744073709551615';

describe('parseStat', () => {
  it('reads a normal line', () => {
    const s = parseStat(`42 (sleep) S 1 ${STAT_TAIL}`);
    expect(s).toMatchObject({
      pid: 42,
      comm: 'sleep',
      state: 'S',
      ppid: 1,
      utime: 120,
      stime: 30,
      cutime: 4,
      cstime: 2,
      threads: 3,
      starttime: 5000,
      rssPages: 250,
    });
  });
  it('keeps a comm with spaces and parentheses (fields start after the last ")")', () => {
    expect(parseStat(`7 (a) b (c)) R 3 ${STAT_TAIL}`)?.comm).toBe('a) b (c)');
    expect(parseStat(`7 (kworker/0:1) I 2 ${STAT_TAIL}`)?.comm).toBe('kworker/0:1');
  });
  it('rejects truncated, garbage and negative content', () => {
    expect(parseStat('')).toBeNull();
    expect(parseStat('42 (sleep) S 1 0 0')).toBeNull();
    expect(parseStat('\u0000\u00ff garbage')).toBeNull();
    expect(parseStat(`x (sleep) S 1 ${STAT_TAIL}`)).toBeNull();
    expect(parseStat(`42 (sleep) S -5 ${STAT_TAIL}`)).toBeNull();
    expect(parseStat(`42 (sleep) 9 1 ${STAT_TAIL}`)).toBeNull();
  });
});

describe('parseStatus', () => {
  it('takes the real uid and VmRSS', () => {
    expect(parseStatus('Name:\tx\nUid:\t1000\t0\t0\t0\nVmRSS:\t   2048 kB\n')).toEqual({
      uid: 1000,
      rssBytes: 2048 * 1024,
    });
    expect(parseStatus('garbage')).toEqual({ uid: null, rssBytes: null });
  });
});

describe('splitCmdline', () => {
  it('splits on NULs and drops the trailing one', () => {
    expect(splitCmdline(Buffer.from('xmrig\u0000-o\u0000pool:3333\u0000'))).toEqual([
      'xmrig',
      '-o',
      'pool:3333',
    ]);
  });
  it('keeps a rewritten argv without NULs as one verbatim argument', () => {
    expect(splitCmdline(Buffer.from('[kworker/0:1] -o pool:3333'))).toEqual(['[kworker/0:1] -o pool:3333']);
  });
  it('survives invalid UTF-8 and empty input', () => {
    expect(splitCmdline(Buffer.from([0x61, 0xff, 0xfe, 0x00, 0x62]))).toEqual(['a\ufffd\ufffd', 'b']);
    expect(splitCmdline(Buffer.alloc(0))).toEqual([]);
  });
});

describe('parseExeLink', () => {
  it('recognises deleted and memfd executables', () => {
    expect(parseExeLink('/tmp/x (deleted)')).toEqual({ exe: '/tmp/x', exeDeleted: true, exeMemfd: false });
    expect(parseExeLink('/memfd:payload (deleted)')).toEqual({
      exe: '/memfd:payload',
      exeDeleted: true,
      exeMemfd: true,
    });
    expect(parseExeLink(null)).toEqual({ exe: null, exeDeleted: false, exeMemfd: false });
  });
});

describe('containerFromCgroup', () => {
  const id = 'a'.repeat(64);
  it.each([
    [`0::/system.slice/docker-${id}.scope`, 'docker'],
    [`12:memory:/docker/${id}`, 'docker'],
    [
      `0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-${id}.scope`,
      'containerd',
    ],
    [`0::/machine.slice/libpod-${id}.scope/container`, 'podman'],
    [`0::/kubepods.slice/kubepods-pod2.slice/crio-${id}.scope`, 'cri-o'],
  ])('finds the container in %s', (text, runtime) => {
    expect(containerFromCgroup(text)).toEqual({ id, runtime });
  });
  it('returns null on the host', () => {
    expect(containerFromCgroup('0::/user.slice/user-0.slice/session-3.scope\n')).toBeNull();
  });
});

describe('parseNetTable', () => {
  const header =
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
  it('decodes IPv4 addresses, ports and states', () => {
    const text = `${header}\n   0: 0100007F:0D05 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0\n`;
    const { entries, malformed } = parseNetTable(text, 'tcp', 4);
    expect(malformed).toBe(0);
    expect(entries[0]).toMatchObject({
      localIp: '127.0.0.1',
      localPort: 3333,
      remoteIp: '127.0.0.1',
      remotePort: 40000,
      state: 'ESTABLISHED',
      uid: 1000,
      inode: 4242,
    });
  });
  it('decodes IPv6 loopback, any and v4-mapped addresses', () => {
    const lines = [
      '   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 11 1 0',
      '   1: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12 1 0',
      '   2: 0000000000000000FFFF00000100007F:0050 0000000000000000FFFF00000100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 13 1 0',
    ];
    const { entries } = parseNetTable(`${header}\n${lines.join('\n')}\n`, 'tcp', 6);
    expect(entries.map((e) => e.localIp)).toEqual(['::1', '::', '::ffff:127.0.0.1']);
    expect(entries[0]?.state).toBe('LISTEN');
  });
  it('counts malformed lines instead of failing', () => {
    const text = `${header}\n   0: zzzz:0016 00000000:0000 0A\ngarbage\n   1: 0100007F:0016 00000000:0000 0A 0 0 0 0 0 7\n`;
    const { entries, malformed } = parseNetTable(text, 'tcp', 4);
    expect(malformed).toBe(2);
    expect(entries).toHaveLength(1);
  });
});
