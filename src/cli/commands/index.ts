import type { Command } from 'commander';

/** A command, loaded only when it is the one being run: `scan` should not pay for the server's dependencies. */
export interface CommandEntry {
  readonly name: string;
  load(): Promise<(program: Command) => void>;
}

/** One line per command; each command lives in its own file and only wires options to library code. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'scan', load: async () => (await import('./scan.js')).registerScan },
  { name: 'fields', load: async () => (await import('./fields.js')).registerFields },
  { name: 'rules', load: async () => (await import('./rules.js')).registerRules },
  { name: 'hunt', load: async () => (await import('./hunt.js')).registerHunt },
  { name: 'logs', load: async () => (await import('./logs.js')).registerLogs },
  { name: 'pcap', load: async () => (await import('./pcap.js')).registerPcap },
  { name: 'cloudlogs', load: async () => (await import('./cloudlogs.js')).registerCloudlogs },
  { name: 'intel', load: async () => (await import('./intel.js')).registerIntel },
  { name: 'posture', load: async () => (await import('./posture.js')).registerPosture },
  { name: 'vulndb', load: async () => (await import('./vulndb.js')).registerVulndb },
  { name: 'cost', load: async () => (await import('./cost.js')).registerCost },
  { name: 'respond', load: async () => (await import('./respond.js')).registerRespond },
  { name: 'undo', load: async () => (await import('./undo.js')).registerUndo },
  { name: 'block', load: async () => (await import('./block.js')).registerBlock },
  { name: 'server', load: async () => (await import('./server.js')).registerServer },
  { name: 'agent', load: async () => (await import('./agent.js')).registerAgent },
  { name: 'up', load: async () => (await import('./up.js')).registerUp },
];
