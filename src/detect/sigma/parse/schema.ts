import { z } from 'zod';

const stringish = z.union([z.string(), z.number()]).transform(String);
const stringList = z
  .union([z.array(stringish.nullable()), stringish])
  .transform((v) => (Array.isArray(v) ? v.filter((x): x is string => x !== null) : [v]));

export const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;

/** Fields every Sigma document may carry; unknown keys are allowed (the specification permits custom fields). */
export const HeaderSchema = z.looseObject({
  title: z.string().min(1).max(256),
  id: stringish.optional(),
  name: z.string().min(1).optional(),
  status: z.string().optional(),
  description: z.string().optional(),
  level: z.enum(LEVELS).optional(),
  tags: z.array(z.string()).optional(),
  falsepositives: stringList.optional(),
});

export const LogsourceSchema = z.looseObject({
  product: stringish.optional(),
  category: stringish.optional(),
  service: stringish.optional(),
});

export const DetectionRuleSchema = z.looseObject({
  logsource: LogsourceSchema,
  detection: z.record(z.string(), z.unknown()),
});

export const CORRELATION_TYPES = [
  'event_count',
  'value_count',
  'temporal',
  'temporal_ordered',
  'value_sum',
  'value_avg',
] as const;
/** Correlation types of the specification that this engine does not evaluate yet. */
export const UNSUPPORTED_CORRELATION_TYPES = ['value_percentile'] as const;

const CountCondition = z
  .strictObject({
    gt: z.number().optional(),
    gte: z.number().optional(),
    lt: z.number().optional(),
    lte: z.number().optional(),
    eq: z.number().optional(),
    neq: z.number().optional(),
    field: z.union([z.string(), z.array(z.string())]).optional(),
  })
  .refine((c) => ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'].some((k) => k in c), {
    message: 'needs at least one of gt, gte, lt, lte, eq, neq',
  });

export const CorrelationSchema = z.strictObject({
  type: z.enum([...CORRELATION_TYPES, ...UNSUPPORTED_CORRELATION_TYPES]),
  rules: z.union([z.string(), z.array(stringish).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
  'group-by': z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]))
    .optional(),
  timespan: z.string().regex(/^\d+[smhdw]$/, 'a number and a unit: 30s, 5m, 1h, 1d'),
  condition: CountCondition.optional(),
  aliases: z.record(z.string(), z.record(z.string(), z.string())).optional(),
  generate: z.boolean().optional(),
});
export type CorrelationSpec = z.output<typeof CorrelationSchema>;
export type CountConditionSpec = NonNullable<CorrelationSpec['condition']>;

/** A Sigma filter document: `filter` holds the rules it applies to, its search identifiers and its condition. */
export const FilterRuleSchema = z.looseObject({
  logsource: LogsourceSchema,
  filter: z.looseObject({
    rules: z.union([stringish, z.array(stringish).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
    condition: z.union([z.string(), z.array(z.string())]),
  }),
});

/** A zod issue path as a YAML path, for line lookup. */
export function issuePath(path: readonly PropertyKey[]): (string | number)[] {
  return path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
}
