import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from './index.js';

describe('command registry', () => {
  it('names each entry after the command it registers, once', async () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of COMMANDS) {
      const program = new Command();
      (await entry.load())(program);
      expect(program.commands.map((c) => c.name())).toEqual([entry.name]);
    }
    // Loading every command's dependencies (server, UI, pcap ...) takes a while on a busy machine.
  }, 120_000);
});
