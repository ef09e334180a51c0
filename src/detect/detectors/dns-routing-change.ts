import type { Detector, RuleMeta } from '../detector.js';
import { str } from './fields.js';

const meta: RuleMeta = {
  id: 'dns.routing-change',
  title: 'DNS resolution settings changed',
  severity: 'medium',
  confidence: 0.6,
  category: 'defense-evasion',
  techniques: ['T1562'],
  recommendation:
    'Check who changed the file and why: a new nameserver or hosts entry can hide a pool behind another name or cut the host off from security updates.',
  falsePositives:
    'DHCP, NetworkManager or systemd-resolved rewriting resolv.conf; configuration management runs.',
};

const ROUTING_RE =
  /^\/etc\/(?:resolv\.conf|hosts|nsswitch\.conf|host\.conf|systemd\/resolved\.conf(?:\.d\/[^/]+)?|dnsmasq\.conf|dnsmasq\.d\/[^/]+|NetworkManager\/dnsmasq\.d\/[^/]+)$/;
const MAX_SHOWN = 8192;

function lines(s: string | undefined): string[] {
  return s === undefined
    ? []
    : s
        .split('\n')
        .map((l) => l.trimEnd())
        .filter((l) => l !== '' && !l.startsWith('#'));
}

/** A change to a file that decides where names resolve; the finding names the file, old and new content. */
export const dnsRoutingChange: Detector = {
  meta,
  kinds: ['file'],
  detect(e) {
    const path = str(e, 'file.path');
    if (path === undefined || !ROUTING_RE.test(path)) return null;
    const before = str(e, 'file.previousContent');
    const after = str(e, 'file.content');
    if (before === after) return null;
    const old = new Set(lines(before));
    const now = new Set(lines(after));
    const added = [...now].filter((l) => !old.has(l));
    const removed = [...old].filter((l) => !now.has(l));
    // A new upstream resolver (nameserver, server=) is what redirects every lookup: rank it above a hosts entry.
    const resolverChange = [...added, ...removed].some((l) => /^(?:nameserver|server=|DNS=)/.test(l));
    return {
      entity: { kind: 'config', path },
      evidence: {
        path,
        action: str(e, 'file.action') ?? 'change',
        added,
        removed,
        oldContent: before?.slice(0, MAX_SHOWN) ?? null,
        newContent: after?.slice(0, MAX_SHOWN) ?? null,
      },
      ...(resolverChange ? { severity: 'high' as const, title: 'DNS resolver changed' } : {}),
    };
  },
};
