import { findTool } from '../exec.js';
import { IpsetFirewall } from './ipset.js';
import { NftFirewall } from './nft.js';
import type { Firewall } from './types.js';

export type { BlockSet, Firewall } from './types.js';

/** nft when installed, else iptables + ipset, else null (blocking is then "not supported on this host"). */
export function pickFirewall(netns?: string, prefer?: 'nft' | 'iptables'): Firewall | null {
  const nft = findTool('nft');
  const ipt = findTool('iptables') && findTool('ipset');
  if (prefer === 'iptables' && ipt) return new IpsetFirewall(netns);
  if (nft) return new NftFirewall(netns);
  if (ipt) return new IpsetFirewall(netns);
  return null;
}
