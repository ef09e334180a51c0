import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// `npm test` builds dist/ before vitest runs; these tests drive the real binary.
const repoRoot = resolve(import.meta.dirname, '../../..');
const fixtures = resolve(repoRoot, 'test/fixtures/sigma');

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [resolve(repoRoot, 'bin/minewarden'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('rules lint', () => {
  it('loads the SigmaHQ Linux rules and prints the json shape', () => {
    const r = cli('rules', 'lint', '../shared/data/sigma/rules/linux', '--format', 'json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { loaded: number; failed: unknown[]; unsupported: unknown[] };
    expect(Object.keys(out)).toEqual(['loaded', 'failed', 'unsupported']);
    expect(out.loaded).toBeGreaterThanOrEqual(200);
  });
  it('lists failures with file, line, code and message, and exits 1', () => {
    const r = cli('rules', 'lint', resolve(fixtures, 'mixed_collection.yml'), '--format', 'json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { loaded: number; failed: Record<string, unknown>[] };
    expect(out.loaded).toBe(2);
    expect(Object.keys(out.failed[0]!)).toEqual(['file', 'line', 'code', 'message']);
  });
  it('prints the count in table form', () => {
    expect(cli('rules', 'lint', '../shared/data/sigma/rules/linux').stdout).toMatch(
      /^loaded 2\d\d of 210 rules/,
    );
  });
});

describe('placeholders', () => {
  it('rules test fills %placeholders% of the expand modifier from --placeholders, and says which is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mw-rules-'));
    const rule = join(dir, 'admins.yml');
    writeFileSync(
      rule,
      "title: admins\nlogsource:\n    category: process_creation\ndetection:\n    sel:\n        User|expand: '%admins%'\n    condition: sel\n",
    );
    writeFileSync(join(dir, 'ph.yml'), 'admins: [root, adm_ops]\n');
    const event = '{"logsource":{"category":"process_creation"},"User":"adm_ops"}';
    const ok = cli(
      'rules',
      'test',
      rule,
      '--event',
      event,
      '--placeholders',
      join(dir, 'ph.yml'),
      '--format',
      'json',
    );
    expect(ok.stdout).toContain('"title": "admins"');
    const missing = cli('rules', 'test', rule, '--event', event);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("placeholder '%admins%'");
  });
});

describe('rules test', () => {
  const rule = resolve(fixtures, 'mining_pool_process.yml');
  it('reports a match for a matching event', () => {
    const ev = JSON.stringify({
      logsource: { category: 'process_creation' },
      CommandLine: 'xmrig -o stratum+tcp://p',
    });
    const r = cli('rules', 'test', rule, '--event', ev, '--format', 'json');
    expect(JSON.parse(r.stdout)).toMatchObject({ matched: true, matches: [{ level: 'high' }] });
    expect(r.code).toBe(1);
  });
  it('reports no match otherwise, and a bad event is a usage error', () => {
    const ev = JSON.stringify({ logsource: { category: 'process_creation' }, CommandLine: 'ls' });
    expect(JSON.parse(cli('rules', 'test', rule, '--event', ev, '--format', 'json').stdout)).toMatchObject({
      matched: false,
    });
    const bad = cli('rules', 'test', rule, '--event', '{not json');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('MW_INPUT_PARSE');
  });
});

describe('hunt', () => {
  const args = [
    'hunt',
    '--rules',
    resolve(fixtures, 'mining_pool_process.yml'),
    resolve(fixtures, 'ssh_bruteforce_then_login.yml'),
    '--events',
    resolve(fixtures, 'hunt_events.ndjson'),
  ];
  it('prints one record per (rule, event) and per correlation hit', () => {
    const r = cli(...args, '--format', 'ndjson');
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l['type'])).toEqual(['match', 'correlation']);
    expect(lines[0]).toMatchObject({
      rule: { title: 'Miner started with a stratum pool URL', level: 'high' },
      line: 1,
    });
    expect((lines[0]!['event'] as Record<string, unknown>)['Image']).toBe('/tmp/.x/xmrig');
    expect(lines[1]).toMatchObject({ correlation: 'temporal_ordered', group: { SourceIp: '203.0.113.9' } });
    expect(r.stderr).toContain('MW_W_EVENT_UNKNOWN_FIELD');
  });
  it('json output carries the same records and a summary', () => {
    const out = JSON.parse(cli(...args, '--format', 'json').stdout) as {
      matches: unknown[];
      summary: { events: number };
    };
    expect(out.matches).toHaveLength(2);
    expect(out.summary.events).toBe(10);
  });
  it('a malformed event line is an input error naming file and line', () => {
    const r = cli(
      'hunt',
      '--rules',
      resolve(fixtures, 'mining_pool_process.yml'),
      '--events',
      resolve(fixtures, 'mixed_collection.yml'),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mixed_collection\.yml:1: not a JSON object/);
  });
});
