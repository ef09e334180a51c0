import { MinewardenError } from '../../model/errors.js';
import type { CuratedPools } from '../builtin-schemas.js';
import data from '../data/pools.json' with { type: 'json' };
import { normalizeListDomain } from './domain-name.js';
import { parseNet } from './ip-set.js';
import { type NetInput, PoolIntel } from './pool-intel.js';

const FILE = 'src/intel/data/pools.json';

/**
 * Our curated pack (src/intel/data/pools.json): pools, hash-power proxies and miner donation endpoints. People edit
 * the file: its shape is checked against the schema by builtin-data.test.ts (no schema library on the scan path),
 * and each domain and address here on load; a bad entry names its index.
 */
export function loadBuiltinPoolIntel(raw: CuratedPools = data): PoolIntel {
  const domains = raw.domains.map((d, i) => {
    const domain = normalizeListDomain(d.domain);
    if (domain !== d.domain)
      throw new MinewardenError('MW_INPUT_SCHEMA', `not a lowercase domain: ${d.domain}`, {
        file: FILE,
        field: `domains.${i}.domain`,
      });
    return { domain, label: d.label };
  });
  const nets: NetInput[] = raw.ips.map((e, i) => {
    const net = parseNet(e.ip);
    if (!net)
      throw new MinewardenError('MW_INPUT_SCHEMA', `not an IP or CIDR: ${e.ip}`, {
        file: FILE,
        field: `ips.${i}.ip`,
      });
    return { net, text: e.ip, label: e.label };
  });
  const intel = new PoolIntel();
  intel.addPack({ list: 'builtin', version: raw.version, date: raw.date, source: FILE }, domains, nets);
  return intel;
}
