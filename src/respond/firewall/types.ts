/** Which list an address goes on: pools (outbound blocked) or attackers (inbound banned). */
export type BlockSet = 'pool' | 'attacker';

export interface Firewall {
  readonly backend: 'nft' | 'iptables';
  /** Creates our table/sets/chains when missing; true when it created them. */
  ensure(): Promise<boolean>;
  /** Whether the address (or a network containing it) is already in the set. */
  has(set: BlockSet, addr: string): Promise<boolean>;
  /**
   * Adds addresses; `timeoutSec` null means until removed. `comments` (address -> text) label the elements, e.g.
   * with the pool name an address was resolved from; unsafe characters are dropped (see `elementComment`).
   */
  add(
    set: BlockSet,
    addrs: readonly string[],
    timeoutSec: number | null,
    comments?: ReadonlyMap<string, string>,
  ): Promise<void>;
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

/**
 * An element comment both tools take as one token inside quotes: LDH names, spaces and a few separators only, at
 * most 100 characters (nft allows 128 bytes, ipset 255), so a hostile name cannot close the quote.
 */
export function elementComment(text: string): string {
  return text
    .replace(/[^A-Za-z0-9 ._:,=-]/g, '')
    .slice(0, 100)
    .trim();
}
