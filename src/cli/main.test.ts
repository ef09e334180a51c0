import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../../test/helpers/cli.js';

const version = (JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string })
  .version;

describe('minewarden entry point', () => {
  it('prints the version without loading any command, and help still lists every command', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const name of ['scan', 'agent', 'server', 'logs', 'pcap', 'cloudlogs'])
      expect(help.stdout).toContain(name);
  });

  it('answers an unknown command with usage exit code 2', async () => {
    const r = await runCli(['no-such-command']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
  });
});
