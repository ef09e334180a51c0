import type { Command } from 'commander';
import { registerAgent } from './agent.js';
import { registerBlock } from './block.js';
import { registerCloudlogs } from './cloudlogs.js';
import { registerCost } from './cost.js';
import { registerFields } from './fields.js';
import { registerHunt } from './hunt.js';
import { registerIntel } from './intel.js';
import { registerLogs } from './logs.js';
import { registerPcap } from './pcap.js';
import { registerPosture } from './posture.js';
import { registerRespond } from './respond.js';
import { registerRules } from './rules.js';
import { registerScan } from './scan.js';
import { registerServer } from './server.js';
import { registerUndo } from './undo.js';
import { registerUp } from './up.js';
import { registerVulndb } from './vulndb.js';

/** One line per command; each command lives in its own file and only wires options to library code. */
export const COMMANDS: ReadonlyArray<(program: Command) => void> = [
  registerScan,
  registerFields,
  registerRules,
  registerHunt,
  registerPosture,
  registerVulndb,
  registerLogs,
  registerPcap,
  registerCloudlogs,
  registerIntel,
  registerCost,
  registerServer,
  registerAgent,
  registerUp,
  registerRespond,
  registerUndo,
  registerBlock,
];
