import { type Command, Option } from 'commander';
import { type CostConfig, CostConfigSchema, loadCostConfig } from '../cost/price-config.js';
import { MinewardenError } from '../model/errors.js';

/** The price flags shared by every command that turns CPU time into money (cost, scan). */
export interface PriceCliOptions {
  priceConfig?: string;
  pricePerVcpuHour?: string;
  currency?: string;
  instanceType?: string;
}

const FLAG_OF: Readonly<Record<string, string>> = {
  perVcpuHour: '--price-per-vcpu-hour',
  currency: '--currency',
  instanceType: '--instance-type',
};

export function withPriceOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option('--price-config <file>', 'cost config (YAML or JSON): perVcpuHour, instanceType, prices'),
    )
    .addOption(new Option('--price-per-vcpu-hour <amount>', 'flat price of one vCPU-hour'))
    .addOption(new Option('--currency <code>', 'ISO 4217 code of --price-per-vcpu-hour'))
    .addOption(
      new Option('--instance-type <type>', 'this host instance type (e.g. m5.large, e2-standard-2)'),
    );
}

/** Flags override the config file; both go through the same schema so a bad flag fails like a bad file would. */
export function priceConfigFrom(opts: PriceCliOptions): CostConfig | undefined {
  const file = opts.priceConfig ? loadCostConfig(opts.priceConfig) : undefined;
  const flags: Record<string, string> = {};
  if (opts.pricePerVcpuHour !== undefined) flags.perVcpuHour = opts.pricePerVcpuHour;
  if (opts.currency !== undefined) flags.currency = opts.currency;
  if (opts.instanceType !== undefined) flags.instanceType = opts.instanceType;
  if (!file && Object.keys(flags).length === 0) return undefined;
  const parsed = CostConfigSchema.safeParse({ ...file, ...flags });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = FLAG_OF[String(issue?.path[0] ?? '')] ?? '--price-config';
    throw new MinewardenError('MW_USAGE', `${flag}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
