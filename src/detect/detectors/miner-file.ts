import type { Detector, RuleMeta } from '../detector.js';
import { bool, str } from './fields.js';
import { fileEntity } from './file-lines.js';
import { MONERO_WALLET } from './miner-cmdline.js';

const meta: RuleMeta = {
  id: 'miner.file',
  title: 'Miner binary or configuration in a world-writable directory',
  severity: 'high',
  confidence: 0.8,
  category: 'impact',
  techniques: ['T1496', 'T1105'],
  recommendation: 'Quarantine the file, find the process that uses it and how it was downloaded.',
  falsePositives: 'Authorised mining software unpacked in /tmp.',
};

// XMRig's config.json keys; "pools" with an algorithm or donation setting is a miner config, not any JSON.
const CONFIG_KEYS = [/"pools"\s*:/, /"donate-level"\s*:/, /"randomx"\s*:/, /"algo"\s*:/, /"cpu"\s*:\s*\{/];
const BINARY_STRINGS = [
  /stratum\+(tcp|ssl):\/\//,
  /donate\.v2\.xmrig\.com/,
  /\bxmrig\b/i,
  /cryptonight/i,
  /randomx/i,
];

export const minerFile: Detector = {
  meta,
  kinds: ['file'],
  detect(e) {
    if (str(e, 'file.kind') !== 'writable-dir') return null;
    const content = str(e, 'file.content') ?? '';
    const elf = bool(e, 'file.elf');
    const matched = (elf ? BINARY_STRINGS : CONFIG_KEYS)
      .filter((re) => re.test(content))
      .map((re) => re.source);
    const wallet = MONERO_WALLET.exec(content)?.[0];
    const isConfig = !elf && CONFIG_KEYS[0]!.test(content) && matched.length >= 2;
    const isBinary = elf && matched.length >= 2;
    if (!isConfig && !isBinary && !wallet) return null;
    return {
      entity: fileEntity(e),
      evidence: { path: str(e, 'file.path'), elf, indicators: matched, ...(wallet ? { wallet } : {}) },
      title: isBinary
        ? 'Miner binary in a world-writable directory'
        : isConfig
          ? 'Miner configuration in a world-writable directory'
          : 'Wallet address in a file in a world-writable directory',
      severity: isConfig || isBinary ? 'critical' : 'high',
    };
  },
};
