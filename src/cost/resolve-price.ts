import { MinewardenError } from '../model/errors.js';
import type { CloudInstance } from './metadata.js';
import { type CpuPrice, perVcpuHour } from './money.js';
import type { CostConfig } from './price-config.js';
import { findPrice, loadPriceTable, type PriceEntry, type PriceTable } from './prices.js';

/** The price used for CPU time, and in words which one and why (shown as evidence next to every money figure). */
export interface PriceBasis extends CpuPrice {
  kind: 'custom' | 'instance-type' | 'reference';
  basis: string;
  perVcpuHour: number;
  instanceType?: string;
  provider?: string;
  region?: string;
  date?: string;
  source?: string;
}

/** When nothing is known about the host: a common general-purpose instance, so figures are comparable. */
export const REFERENCE_TYPE = 'm5.large';

export interface ResolveInput {
  config?: CostConfig;
  /** Where the config came from, for the basis text. */
  configFile?: string;
  /** What metadata said: undefined when it was not asked, null when asked and nothing answered. */
  instance?: CloudInstance | null;
  table?: PriceTable;
}

function withConfigEntries(table: PriceTable, config: CostConfig | undefined): PriceTable {
  if (!config?.prices?.length) return table;
  // Config entries first so they win over built-in ones of the same type.
  return { currency: table.currency, entries: [...config.prices, ...table.entries] };
}

function fromEntry(e: PriceEntry, currency: string, kind: PriceBasis['kind'], why: string): PriceBasis {
  const price: CpuPrice = { currency, amount: e.perInstanceHour, vcpus: e.vcpus };
  const per = perVcpuHour(price);
  return {
    ...price,
    kind,
    perVcpuHour: per,
    instanceType: e.type,
    provider: e.provider,
    region: e.region,
    date: e.date,
    source: e.source,
    basis:
      `${e.provider} ${e.type} on-demand ${e.perInstanceHour} ${currency}/h in ${e.region} / ${e.vcpus} vCPU = ` +
      `${per} ${currency} per vCPU-hour (${why}; price of ${e.date}, ${e.source})`,
  };
}

/**
 * Picks the price for CPU time, most specific first: a flat price from config; the price of this host's instance
 * type (config, else cloud metadata) from the config's or the built-in list; else the reference instance's.
 */
export function resolvePrice(input: ResolveInput = {}): PriceBasis {
  const { config, instance } = input;
  const from = input.configFile ? ` in ${input.configFile}` : '';
  if (config?.perVcpuHour !== undefined) {
    const price: CpuPrice = { currency: config.currency ?? 'USD', amount: config.perVcpuHour, vcpus: 1 };
    return {
      ...price,
      kind: 'custom',
      perVcpuHour: perVcpuHour(price),
      basis: `custom price ${config.perVcpuHour} ${price.currency} per vCPU-hour (perVcpuHour${from})`,
    };
  }
  const table = withConfigEntries(input.table ?? loadPriceTable(), config);
  const currencyOf = (e: PriceEntry): string =>
    config?.prices?.includes(e) ? (config.currency ?? table.currency) : table.currency;
  const notes: string[] = [];
  const wanted = config?.instanceType
    ? { type: config.instanceType, provider: config.provider, why: `instance type set in config${from}` }
    : instance
      ? {
          type: instance.instanceType,
          provider: instance.provider,
          why: `instance type from ${instance.via}`,
        }
      : null;
  if (wanted) {
    const e = findPrice(table, wanted.type, wanted.provider);
    if (e) {
      let why = wanted.why;
      if (!config?.instanceType && instance?.region && instance.region !== e.region)
        why += `; this host is in ${instance.region}, prices differ by region`;
      return fromEntry(e, currencyOf(e), 'instance-type', why);
    }
    notes.push(`${wanted.type} (${wanted.why}) is not in the price list`);
  } else {
    const meta = instance === undefined ? 'cloud metadata not asked' : 'no cloud metadata answered';
    notes.push(`${meta} and no price or instance type is configured`);
  }
  const ref = findPrice(table, REFERENCE_TYPE, 'aws');
  if (!ref)
    throw new MinewardenError(
      'MW_INTERNAL',
      `reference instance ${REFERENCE_TYPE} missing from the price list`,
    );
  return fromEntry(ref, currencyOf(ref), 'reference', `reference price: ${notes.join('; ')}`);
}
