import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Detector } from '../detect/detector.js';
import { CompiledRuleset, type LoadResult, loadRuleText, sigmaDetectors } from '../detect/sigma/index.js';
import { type PoolIntel, poolIntelFromText } from '../intel/pools/index.js';
import { MinewardenError } from '../model/errors.js';
import { type Policy, parsePolicy } from '../respond/policy.js';
import { CONTENT_KINDS, type ContentKind } from '../store/content.js';

/**
 * Policy, custom rules and pool intel as the server validates them on upload and an agent validates them again on
 * receipt (the same code on both sides, so what the server accepted an agent can apply).
 */

export const MAX_CONTENT_BYTES: Record<ContentKind, number> = {
  policy: 256 * 1024,
  rules: 4 * 1024 * 1024,
  intel: 16 * 1024 * 1024,
};

/** What an agent gets from GET /api/agent/{kind}: `version: null` means nothing is set (drop what was applied). */
export const ContentDocSchema = z.object({
  kind: z.enum(CONTENT_KINDS),
  version: z.string().max(200).nullable(),
  updatedAt: z.string().max(64).nullable(),
  body: z.string().nullable(),
  meta: z.record(z.string(), z.unknown()),
});
export type ContentDoc = z.infer<typeof ContentDocSchema>;

export function contentHash(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

export function contentEtag(kind: ContentKind, version: string, body: string): string {
  const h = createHash('sha256').update(kind).update('\0').update(version).update('\0').update(body);
  return `"${h.digest('hex').slice(0, 32)}"`;
}

export interface CheckedPolicy {
  kind: 'policy';
  policy: Policy;
  meta: { rules: number };
}

export interface CheckedRules {
  kind: 'rules';
  load: LoadResult;
  meta: { rules: number; ids: string[] };
}

export interface CheckedIntel {
  kind: 'intel';
  intel: PoolIntel;
  /** The list's own version and date (header, or the admin's), which agents report. */
  version: string;
  meta: { list: string; date: string; entries: number; skipped: number; format: string };
}

export type Checked = CheckedPolicy | CheckedRules | CheckedIntel;

function tooLarge(kind: ContentKind, text: string, file: string): void {
  if (Buffer.byteLength(text) > MAX_CONTENT_BYTES[kind])
    throw new MinewardenError('MW_INPUT_SCHEMA', `over ${MAX_CONTENT_BYTES[kind]} bytes`, { file });
}

/** A response policy (src/respond/policy.ts); errors name the line and field. */
export function checkPolicy(text: string, file = 'policy.yaml'): CheckedPolicy {
  tooLarge('policy', text, file);
  const policy = parsePolicy(text, file);
  return { kind: 'policy', policy, meta: { rules: policy.rules.length } };
}

/**
 * A Sigma rule pack (one or more YAML documents) through the rule loader: every failure is an error, because a pack
 * that half-loads on a thousand hosts is worse than one refused at upload. Agents run detection rules on their
 * events; correlation rules are refused until they do.
 */
export function checkRules(text: string, file = 'rules.yml'): CheckedRules {
  tooLarge('rules', text, file);
  const load = loadRuleText(text, file);
  const bad = load.failed[0];
  if (bad)
    throw new MinewardenError('MW_INPUT_SCHEMA', `${bad.code}: ${bad.message}`, {
      file: bad.file,
      line: bad.line,
    });
  const unsup = load.unsupported[0];
  if (unsup) throw new MinewardenError('MW_SIGMA_UNSUPPORTED', unsup.feature, { file: unsup.file });
  if (load.correlations.length > 0)
    throw new MinewardenError('MW_SIGMA_UNSUPPORTED', 'correlation rules are not run by agents', { file });
  if (load.rules.length === 0)
    throw new MinewardenError('MW_INPUT_SCHEMA', 'no detection rule in the pack', { file });
  const ids = load.rules.map((r) => r.id ?? r.title);
  return { kind: 'rules', load, meta: { rules: load.rules.length, ids: ids.slice(0, 1000) } };
}

/** The checked pack as detectors: one compiled ruleset, findings named `sigma.<rule id>`. */
export function rulesDetectors(c: CheckedRules): Detector[] {
  return sigmaDetectors(new CompiledRuleset(c.load.rules));
}

export interface IntelOptions {
  list: string;
  version?: string;
  date?: string;
  /** Used when neither `date` nor the list header gives one (the server passes the upload day). */
  fallbackDate?: string;
}

/** A pool list (plain, hosts, Adblock or IP/CIDR lines) merged after the built-in pack on agents. */
export function checkIntel(text: string, o: IntelOptions): CheckedIntel {
  const file = `intel:${o.list}`;
  tooLarge('intel', text, file);
  const r = poolIntelFromText(text, {
    list: o.list,
    source: file,
    ...(o.version ? { version: o.version } : {}),
    ...(o.date ? { date: o.date } : {}),
    ...(o.fallbackDate ? { fallbackDate: o.fallbackDate } : {}),
  });
  const pack = r.intel.packs[0];
  return {
    kind: 'intel',
    intel: r.intel,
    version: r.intel.version,
    meta: {
      list: o.list,
      date: pack?.date ?? '',
      entries: r.entries,
      skipped: r.skipped,
      format: r.format,
    },
  };
}

const IntelMetaSchema = z.object({ list: z.string().min(1).max(64), date: z.string().max(64) });

/** Validates a document an agent received, by kind; `file` names it in errors. */
export function checkDoc(doc: ContentDoc & { body: string; version: string }): Checked {
  const file = `server ${doc.kind} ${doc.version}`;
  if (doc.kind === 'policy') return checkPolicy(doc.body, file);
  if (doc.kind === 'rules') return checkRules(doc.body, file);
  const meta = IntelMetaSchema.safeParse(doc.meta);
  if (!meta.success)
    throw new MinewardenError('MW_INPUT_SCHEMA', 'intel meta needs list and date', { file, field: 'meta' });
  return checkIntel(doc.body, { list: meta.data.list, version: doc.version, date: meta.data.date });
}
