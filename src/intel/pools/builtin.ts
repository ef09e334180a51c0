import { z } from 'zod';
import { MinewardenError } from '../../model/errors.js';
import data from '../data/pools.json' with { type: 'json' };
import { normalizeListDomain } from './domain-name.js';
import { parseNet } from './ip-set.js';
import { type NetInput, PoolIntel } from './pool-intel.js';

const FILE = 'src/intel/data/pools.json';

const CuratedSchema = z.object({
  version: z.string().min(1),
  date: z.iso.date(),
  description: z.string(),
  domains: z.array(
    z.object({ domain: z.string(), label: z.string().min(1), coins: z.array(z.string()).optional() }),
  ),
  ips: z.array(z.object({ ip: z.string(), label: z.string().min(1) })),
});

/**
 * Our curated pack (src/intel/data/pools.json): pools, hash-power proxies and miner donation endpoints. Validated on
 * load because people edit the file; a bad entry names its index.
 */
export function loadBuiltinPoolIntel(raw: unknown = data): PoolIntel {
  const parsed = CuratedSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MinewardenError('MW_INPUT_SCHEMA', issue?.message ?? 'invalid', {
      file: FILE,
      field: issue?.path.join('.') ?? '',
    });
  }
  const domains = parsed.data.domains.map((d, i) => {
    const domain = normalizeListDomain(d.domain);
    if (domain !== d.domain)
      throw new MinewardenError('MW_INPUT_SCHEMA', `not a lowercase domain: ${d.domain}`, {
        file: FILE,
        field: `domains.${i}.domain`,
      });
    return { domain, label: d.label };
  });
  const nets: NetInput[] = parsed.data.ips.map((e, i) => {
    const net = parseNet(e.ip);
    if (!net)
      throw new MinewardenError('MW_INPUT_SCHEMA', `not an IP or CIDR: ${e.ip}`, {
        file: FILE,
        field: `ips.${i}.ip`,
      });
    return { net, text: e.ip, label: e.label };
  });
  const intel = new PoolIntel();
  intel.addPack(
    { list: 'builtin', version: parsed.data.version, date: parsed.data.date, source: FILE },
    domains,
    nets,
  );
  return intel;
}
