import { parse } from 'yaml';
import { z } from 'zod';
import { MinewardenError, type WarningSink } from '../model/errors.js';
import type { Finding } from '../model/finding.js';

/**
 * A suppression silences one rule on matching resources until a date. Every suppression must say why and when it
 * ends, so accepted risks are reviewed instead of forgotten; past the date the findings come back with a warning.
 */
const SuppressionSchema = z.strictObject({
  rule: z.string().min(1),
  /** Matched against the entity name (resource address), path, exe or ip; `*` matches any run of characters. */
  resource: z.string().min(1),
  reason: z.string().min(3),
  expires: z.union([z.iso.date(), z.date().transform((d) => d.toISOString().slice(0, 10))]),
});
export type Suppression = z.infer<typeof SuppressionSchema>;

const FileSchema = z.strictObject({ suppressions: z.array(SuppressionSchema) });

export function parseSuppressions(text: string, file: string): Suppression[] {
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 50 });
  } catch (err) {
    throw new MinewardenError('MW_INPUT_PARSE', `not valid YAML: ${(err as Error).message.split('\n')[0]}`, {
      file,
    });
  }
  const r = FileSchema.safeParse(raw ?? { suppressions: [] });
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new MinewardenError('MW_CONFIG_INVALID', issue.message, {
      file,
      field: issue.path.join('.') || '(root)',
    });
  }
  return r.data.suppressions;
}

function glob(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

function matches(s: Suppression, f: Finding): boolean {
  if (!glob(s.rule).test(f.ruleId)) return false;
  const re = glob(s.resource);
  const e = f.entity;
  return [e.name, e.path, e.exe, e.ip, f.evidence.resource].some((v) => typeof v === 'string' && re.test(v));
}

export interface SuppressionResult {
  kept: Finding[];
  suppressed: { finding: Finding; suppression: Suppression }[];
  expired: Suppression[];
}

/** `today` is YYYY-MM-DD; a suppression is live through its expiry day. */
export function applySuppressions(
  findings: readonly Finding[],
  list: readonly Suppression[],
  today: string,
  warnings?: WarningSink,
): SuppressionResult {
  const expired = list.filter((s) => s.expires < today);
  for (const s of expired)
    warnings?.add(
      'MW_W_SUPPRESSION_EXPIRED',
      `suppression of ${s.rule} on ${s.resource} expired on ${s.expires} (${s.reason})`,
      `${s.rule}@${s.resource}`,
    );
  const live = list.filter((s) => s.expires >= today);
  const out: SuppressionResult = { kept: [], suppressed: [], expired };
  for (const f of findings) {
    const s = live.find((x) => matches(x, f));
    if (s) out.suppressed.push({ finding: f, suppression: s });
    else out.kept.push(f);
  }
  return out;
}
