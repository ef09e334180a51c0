import type { PoolIntel } from '../../intel/pools/pool-intel.js';
import { tableScript } from '../firewall/nft.js';
import { isV6, normalizeAddr } from '../firewall/types.js';

export const EXPORT_FORMATS = ['nft', 'hosts', 'dnsmasq', 'unbound', 'rpz'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface Blocklist {
  domains: string[];
  addrs: string[];
  /** Where the list came from, for the header comment. */
  source: string;
  /** Serial-friendly date (YYYY-MM-DD) of the newest pack. */
  date: string;
}

/** The pool intel as a flat, sorted, de-duplicated block list. */
export function blocklistFromIntel(intel: PoolIntel): Blocklist {
  const domains = new Set<string>();
  const addrs = new Set<string>();
  for (const m of intel.indicators()) {
    if (m.kind === 'domain') domains.add(m.indicator.toLowerCase());
    else addrs.add(normalizeAddr(m.indicator));
  }
  return {
    domains: [...domains].sort(),
    addrs: [...addrs].sort(),
    source: `minewarden pool intel ${intel.version}`,
    date: intel.date,
  };
}

/** A name each tool accepts: LDH labels only (the intel loader already normalised case and IDN). */
const SAFE_NAME =
  /^(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

function names(list: Blocklist): string[] {
  return list.domains.filter((d) => SAFE_NAME.test(d));
}

function header(list: Blocklist, comment: string): string {
  return `${comment} minewarden pool sinkhole (${list.source}, ${list.date}): ${list.domains.length} domains, ${list.addrs.length} addresses\n`;
}

function nft(list: Blocklist): string {
  const v4 = list.addrs.filter((a) => !isV6(a));
  const v6 = list.addrs.filter(isV6);
  return `${header(list, '#')}${tableScript({ pool_v4: v4, pool_v6: v6 })}`;
}

function hosts(list: Blocklist): string {
  // Both families, so a resolver that prefers AAAA does not fall through to the real pool.
  return (
    header(list, '#') +
    names(list)
      .map((d) => `0.0.0.0 ${d}\n:: ${d}\n`)
      .join('')
  );
}

function dnsmasq(list: Blocklist): string {
  // address=/d/ with no address answers NXDOMAIN for d and every subdomain (dnsmasq(8)).
  return (
    header(list, '#') +
    names(list)
      .map((d) => `address=/${d}/\n`)
      .join('')
  );
}

function unbound(list: Blocklist): string {
  return (
    header(list, '#') +
    'server:\n' +
    names(list)
      .map((d) => `    local-zone: "${d}." always_nxdomain\n`)
      .join('')
  );
}

/** A BIND response-policy zone: `CNAME .` answers NXDOMAIN for the name and, with the wildcard, its subdomains. */
function rpz(list: Blocklist): string {
  const serial = (list.date.replace(/-/g, '') || '1970010100').slice(0, 8) + '00';
  const lines = [
    header(list, ';').trimEnd(),
    '$TTL 300',
    `@ IN SOA localhost. hostmaster.localhost. ${serial} 3600 600 604800 300`,
    '@ IN NS localhost.',
  ];
  for (const d of names(list)) lines.push(`${d} CNAME .`, `*.${d} CNAME .`);
  for (const a of list.addrs) {
    // rpz-ip triggers: reversed octets with the prefix length first (RFC draft, BIND ARM "Response Policy Zones").
    const [ip = a, bits] = a.split('/');
    if (isV6(ip)) continue;
    lines.push(`${bits ?? '32'}.${ip.split('.').reverse().join('.')}.rpz-ip CNAME .`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderBlocklist(list: Blocklist, format: ExportFormat): string {
  switch (format) {
    case 'nft':
      return nft(list);
    case 'hosts':
      return hosts(list);
    case 'dnsmasq':
      return dnsmasq(list);
    case 'unbound':
      return unbound(list);
    case 'rpz':
      return rpz(list);
  }
}
