/** Which list an address goes on: pools (outbound blocked) or attackers (inbound banned). */
export type BlockSet = 'pool' | 'attacker';

export interface Firewall {
  readonly backend: 'nft' | 'iptables';
  /** Creates our table/sets/chains when missing; true when it created them. */
  ensure(): Promise<boolean>;
  /** Whether the address (or a network containing it) is already in the set. */
  has(set: BlockSet, addr: string): Promise<boolean>;
  /** Adds addresses; `timeoutSec` null means until removed. */
  add(set: BlockSet, addrs: readonly string[], timeoutSec: number | null): Promise<void>;
  /** Removes addresses; ones that already expired are not an error. */
  remove(set: BlockSet, addrs: readonly string[]): Promise<void>;
  /** What the set holds now. */
  list(set: BlockSet): Promise<string[]>;
}

export const TABLE = 'minewarden';

export function isV6(addr: string): boolean {
  return addr.includes(':');
}

/** Addresses as the kernel echoes them: a /32 or /128 is a plain address. */
export function normalizeAddr(addr: string): string {
  const [ip = addr, bits] = addr.split('/');
  if (bits === undefined) return ip.toLowerCase();
  if ((bits === '32' && !isV6(ip)) || (bits === '128' && isV6(ip))) return ip.toLowerCase();
  return `${ip.toLowerCase()}/${bits}`;
}
