import { isIPv4, isIPv6 } from 'node:net';
import { SigmaRuleError } from '../types.js';

/** IP addresses as 128-bit numbers; IPv4 lives in the IPv4-mapped range so one comparison serves both families. */
function ipv6ToBigInt(ip: string): bigint | undefined {
  let addr = ip;
  const zone = addr.indexOf('%');
  if (zone !== -1) addr = addr.slice(0, zone);
  let tailV4: bigint | undefined;
  const lastColon = addr.lastIndexOf(':');
  const maybeV4 = addr.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    tailV4 = ipv4ToBigInt(maybeV4);
    if (tailV4 === undefined) return undefined;
    addr = `${addr.slice(0, lastColon + 1)}0:0`;
  }
  const halves = addr.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(Number.parseInt(g, 16));
  }
  if (tailV4 !== undefined) n = (n & ~0xffffffffn) | tailV4;
  return n;
}

function ipv4ToBigInt(ip: string): bigint | undefined {
  if (!isIPv4(ip)) return undefined;
  let n = 0n;
  for (const o of ip.split('.')) n = (n << 8n) | BigInt(Number(o));
  return n;
}

const V4_MAPPED = 0xffffn << 32n;

export function ipToBigInt(ip: string): bigint | undefined {
  if (isIPv4(ip)) {
    const v4 = ipv4ToBigInt(ip);
    return v4 === undefined ? undefined : V4_MAPPED | v4;
  }
  if (isIPv6(ip)) return ipv6ToBigInt(ip);
  return undefined;
}

/** Compiles `10.0.0.0/8` or `fe80::/10` to a membership test; a bare address means a single host. */
export function compileCidr(spec: string, line?: number): (ip: string) => boolean {
  const [addr = '', bitsText] = spec.trim().split('/');
  const v4 = isIPv4(addr);
  const base = ipToBigInt(addr);
  const maxBits = v4 ? 32 : 128;
  const bits = bitsText === undefined ? maxBits : Number(bitsText);
  if (
    base === undefined ||
    !Number.isInteger(bits) ||
    bits < 0 ||
    bits > maxBits ||
    !/^\d*$/.test(bitsText ?? '')
  )
    throw new SigmaRuleError(
      'MW_SIGMA_MODIFIER',
      `cidr value '${spec}' is not an IPv4 or IPv6 network`,
      line,
    );
  const prefix = BigInt(v4 ? 96 + bits : bits);
  const mask = prefix === 0n ? 0n : ((1n << prefix) - 1n) << (128n - prefix);
  const net = base & mask;
  return (ip) => {
    const n = ipToBigInt(ip);
    return n !== undefined && (n & mask) === net;
  };
}
