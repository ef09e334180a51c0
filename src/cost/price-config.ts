import { readFileSync } from 'node:fs';
import { parse, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { MinewardenError } from '../model/errors.js';
import { isDecimalString } from './money.js';
import { PROVIDERS, PriceEntrySchema } from './prices.js';

/** What an operator can set about prices (YAML or JSON). Everything is optional; unknown keys are an error. */
export const CostConfigSchema = z.strictObject({
  /** ISO 4217 code of `perVcpuHour` and of custom entries; the built-in list is USD. */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'ISO 4217 currency code')
    .optional(),
  /** A flat price per vCPU-hour: wins over everything (own hardware, negotiated rates). */
  perVcpuHour: z
    .union([z.string(), z.number()])
    .transform((v) => String(v))
    .refine(isDecimalString, 'a non-negative decimal number')
    .optional(),
  /** The instance type of this host when metadata is unreachable or should not be asked. */
  instanceType: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'an instance type name')
    .optional(),
  provider: z.enum(PROVIDERS).optional(),
  /** Extra or overriding price entries, same shape as the built-in list. */
  prices: z.array(PriceEntrySchema).max(10_000).optional(),
});
export type CostConfig = z.infer<typeof CostConfigSchema>;

const MAX_CONFIG_BYTES = 1024 * 1024;

/** Reads and validates a cost config file; one error naming the file and the line or field at fault. */
export function loadCostConfig(file: string): CostConfig {
  let text: string;
  try {
    const buf = readFileSync(file);
    if (buf.length > MAX_CONFIG_BYTES) throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`);
    text = buf.toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MinewardenError(
      code === 'ENOENT' ? 'MW_INPUT_NOT_FOUND' : 'MW_INPUT_UNREADABLE',
      `cannot read cost config: ${err instanceof Error ? err.message : String(err)}`,
      { file },
    );
  }
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 50 });
  } catch (err) {
    const line = err instanceof YAMLParseError ? err.linePos?.[0]?.line : undefined;
    throw new MinewardenError(
      'MW_INPUT_PARSE',
      `cost config does not parse: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
      line === undefined ? { file } : { file, line },
    );
  }
  const parsed = CostConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MinewardenError('MW_CONFIG_INVALID', issue?.message ?? 'invalid', {
      file,
      field: issue?.path.join('.') ?? '',
    });
  }
  return parsed.data;
}
