import type { RuleMeta } from '../detector.js';

/** The rules the wire analyzer reports under; one finding per flow (or per asking host and name for DNS). */
export const WIRE_RULES = {
  stratum: {
    id: 'wire.mining.stratum',
    title: 'Pool mining protocol on the wire',
    severity: 'high',
    confidence: 0.9,
    category: 'impact',
    techniques: ['T1496', 'T1496.001'],
    recommendation:
      'The client address of this flow is mining for the pool at the server address. Find the process on that host ' +
      '(minewarden scan there, or the gateway device), stop it, and block the pool address and name.',
    falsePositives:
      'Mining you run on purpose, and pool operators testing their own servers; getblocktemplate is also how pool ' +
      'software talks to its own coin daemon.',
  },
  sni: {
    id: 'wire.mining.tls-pool',
    title: 'TLS connection to a known mining pool',
    severity: 'high',
    confidence: 0.8,
    category: 'impact',
    techniques: ['T1496'],
    recommendation:
      'Miners such as XMRig speak stratum over TLS to hide it. Find the process behind the client address and stop it; ' +
      'block the pool name.',
    falsePositives:
      'Visiting a pool’s website over HTTPS when the pool serves web and stratum on the same name.',
  },
  dns: {
    id: 'wire.dns.pool-domain',
    title: 'DNS query for a known mining pool',
    severity: 'medium',
    confidence: 0.7,
    category: 'impact',
    techniques: ['T1496'],
    recommendation:
      'A host asked for a mining-pool name. Check that host for a miner; block the name in DNS and the addresses it ' +
      'resolved to.',
    falsePositives:
      'People reading about pools (their website shares the name), and security tools resolving lists.',
  },
  poolAddress: {
    id: 'wire.mining.pool-address',
    title: 'Connection to a known mining-pool address',
    severity: 'medium',
    confidence: 0.6,
    category: 'impact',
    techniques: ['T1496'],
    recommendation:
      'No mining protocol was seen in clear (encrypted or too short), but the server is a listed pool address or ' +
      'resolved from a pool name. Check the client host for a miner.',
    falsePositives: 'Shared hosting and CDNs in front of pools; stale IP lists.',
  },
  p2p: {
    id: 'wire.crypto.p2p',
    title: 'Cryptocurrency peer-to-peer traffic (not pool mining)',
    severity: 'info',
    confidence: 0.9,
    category: 'network',
    techniques: [],
    recommendation:
      'A full node or wallet is syncing. This is not mining for a pool; check it is expected on this host.',
    falsePositives: 'Expected on hosts that run a node on purpose.',
  },
} as const satisfies Record<string, RuleMeta>;
