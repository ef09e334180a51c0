import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

let state: string;
const S = () => ['--state-dir', state];

beforeAll(() => {
  state = mkdtempSync(join(tmpdir(), 'mw-respond-cli-'));
});
afterAll(() => rmSync(state, { recursive: true, force: true }));

describe('respond, undo and block on the command line', () => {
  it('usage errors exit 2 with one line naming the option', async () => {
    const none = await runCli(['respond', ...S()]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/exactly one of --incident, --finding, --pid/);
    const both = await runCli(['respond', '--pid', '1', '--apply', '--dry-run', ...S()]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--apply and --dry-run/);
    const undo = await runCli(['undo', 'act-0000000000', ...S()]);
    expect(undo.code).toBe(2);
    expect(undo.stderr).toMatch(/no action act-0000000000 in the journal/);
    expect((await runCli(['block', 'export', '--format', 'pf'])).code).toBe(2);
  });

  it('bad policy and evidence files name the file, line and field', async () => {
    const policy = join(state, 'bad-policy.yaml');
    writeFileSync(policy, 'version: 1\nrules:\n  - id: x\n    actions: [nuke]\n');
    const r = await runCli(['respond', '--pid', '1', '--policy', policy, ...S()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${policy}:4, field rules.0.actions.0`);
    const from = join(state, 'scan.json');
    writeFileSync(from, JSON.stringify({ findings: [{ id: 'x' }] }));
    const e = await runCli(['respond', '--finding', 'x', '--from', from, ...S()]);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain(`${from}, field findings.0.`);
  });

  it('refuses PID 1 and the session running the command (its own parent: this test runner), and journals why', async () => {
    const init = await runCli(['respond', '--pid', '1', '--apply', '--format', 'json', ...S()]);
    expect(init.code, init.stderr).toBe(1);
    expect(init.stderr).toBe('');
    const a = JSON.parse(init.stdout) as { actions: Array<{ kind: string; status: string; detail: string }> };
    expect(a.actions).toEqual([
      expect.objectContaining({ kind: 'kill', status: 'refused', detail: 'pid 1 (init) is never touched' }),
    ]);

    const me = await runCli(['respond', '--pid', String(process.pid), '--apply', '--format', 'json', ...S()]);
    expect(me.code).toBe(1);
    const b = JSON.parse(me.stdout) as { actions: Array<{ kind: string; status: string; detail: string }> };
    expect(b.actions[0]).toMatchObject({
      kind: 'kill',
      status: 'refused',
      detail: `pid ${process.pid} is this command or one of its ancestors (the session running it)`,
    });
    expect(b.actions.some((x) => x.status === 'applied')).toBe(false);

    const list = await runCli(['respond', '--list', '--status', 'refused', ...S()]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('pid 1 (init) is never touched');
    expect(list.stdout).toContain(`pid ${process.pid} is this command or one of its ancestors`);
  });

  it('block export prints each format', async () => {
    const nft = await runCli(['block', 'export', '--format', 'nft']);
    expect(nft.code).toBe(0);
    expect(nft.stdout).toMatch(/^table inet minewarden \{$/m);
    const rpz = await runCli(['block', 'export', '--format', 'rpz']);
    expect(rpz.stdout).toContain('c3pool.com CNAME .');
  });
});
