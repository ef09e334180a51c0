import { z } from 'zod';
import { MinewardenError } from '../model/errors.js';
import data from './data/prices.json' with { type: 'json' };
import { isDecimalString } from './money.js';

export const PROVIDERS = ['aws', 'gcp', 'azure', 'custom'] as const;
export type Provider = (typeof PROVIDERS)[number];

const DecimalString = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .refine(isDecimalString, 'a non-negative decimal number (at most 12 places)');

export const PriceEntrySchema = z.object({
  provider: z.enum(PROVIDERS),
  region: z.string().min(1).max(64),
  type: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'an instance type name'),
  vcpus: z.number().int().min(1).max(4096),
  perInstanceHour: DecimalString,
  date: z.iso.date(),
  source: z.string().min(1).max(500),
});
export type PriceEntry = z.infer<typeof PriceEntrySchema>;

const PriceTableSchema = z.object({
  version: z.literal(1),
  currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 currency code'),
  note: z.string().optional(),
  entries: z.array(PriceEntrySchema),
});

export interface PriceTable {
  currency: string;
  entries: readonly PriceEntry[];
}

export const BUILTIN_PRICES_FILE = 'src/cost/data/prices.json';

/** Turns the first zod issue into one error naming the file and field. */
export function schemaError(file: string, error: z.ZodError): MinewardenError {
  const issue = error.issues[0];
  return new MinewardenError('MW_INPUT_SCHEMA', issue?.message ?? 'invalid', {
    file,
    field: issue?.path.join('.') ?? '',
  });
}

/** The shipped price list, validated: it is data people edit, so a typo must fail loudly and say where. */
export function loadPriceTable(raw: unknown = data, file = BUILTIN_PRICES_FILE): PriceTable {
  const parsed = PriceTableSchema.safeParse(raw);
  if (!parsed.success) throw schemaError(file, parsed.error);
  return { currency: parsed.data.currency, entries: parsed.data.entries };
}

/** Finds an instance type; type names are unique across providers, so the provider is only a tie-breaker. */
export function findPrice(table: PriceTable, type: string, provider?: Provider): PriceEntry | undefined {
  const matches = table.entries.filter((e) => e.type.toLowerCase() === type.toLowerCase());
  return matches.find((e) => provider === undefined || e.provider === provider) ?? matches[0];
}
