import { readFileSync } from 'node:fs';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { MinewardenError } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import { SeveritySchema } from '../model/schemas.js';
import { atLeast } from '../model/severity.js';
import { ACTION_KINDS, type ActionKind } from './types.js';

const DURATION = /^(\d+)\s*(s|m|h|d|w)$/;
const UNIT: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `90s`, `10m`, `24h`, `7d`, `2w` or a number of seconds. */
export function parseDuration(v: string | number): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? v : null;
  const m = DURATION.exec(v.trim());
  return m ? Number(m[1]) * (UNIT[m[2]!] ?? 0) : null;
}

const Duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = parseDuration(v);
  if (s === null || s <= 0) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${v} (use 30s, 10m, 24h, 7d)` });
    return z.NEVER;
  }
  return s;
});

const EVIDENCE = ['network', 'pool', 'cmdline'] as const;

const RuleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/),
  description: z.string().optional(),
  match: z
    .strictObject({
      /** Finding rule ids; `*` at the end matches a prefix. */
      rules: z.array(z.string()).default(['*']),
      minSeverity: SeveritySchema.default('info'),
      minConfidence: z.number().min(0).max(1).default(0),
      /** At least one finding of the process must show one of these (e.g. network or pool evidence). */
      evidence: z.array(z.enum(EVIDENCE)).default([]),
    })
    .prefault({}),
  actions: z.array(z.enum(ACTION_KINDS)).min(1),
  /** `simulate` plans and journals but never acts, even with --apply. */
  mode: z.enum(['enforce', 'simulate']).default('enforce'),
  /** Block/ban duration; absent = until undone. */
  duration: Duration.optional(),
  /** Persistence kinds that need `--confirm` on top of `--apply` (default: authorized_keys). */
  confirm: z.array(z.string()).default(['authorized_keys']),
});
export type PolicyRule = z.infer<typeof RuleSchema>;

const RateSchema = z.strictObject({ max: z.number().int().positive(), window: Duration });

const RESOLVER = /^(\d{1,3}(\.\d{1,3}){3}|\[?[0-9a-fA-F:]+\]?)(:\d{1,5})?$/;

export const PolicySchema = z.strictObject({
  version: z.literal(1),
  rules: z.array(RuleSchema).default([]),
  allow: z
    .strictObject({
      exePaths: z.array(z.string().startsWith('/')).default([]),
      sha256: z.array(z.string().regex(/^[0-9a-f]{64}$/)).default([]),
      containers: z.array(z.string().min(12)).default([]),
      users: z.array(z.string()).default([]),
      sshKeys: z.array(z.string().startsWith('SHA256:')).default([]),
    })
    .prefault({}),
  deny: z.strictObject({ sshKeys: z.array(z.string().startsWith('SHA256:')).default([]) }).prefault({}),
  limits: z.partialRecord(z.enum(ACTION_KINDS), RateSchema).default({ kill: { max: 20, window: 60 } }),
  ban: z
    .strictObject({
      base: Duration.default(600),
      factor: z.number().min(1).max(10).default(2),
      max: Duration.default(604800),
    })
    .prefault({}),
  persistence: z.strictObject({ keyWindow: Duration.default(86400) }).prefault({}),
  /** Pool domains resolved to addresses for the packet filter (resolve-pools.ts); servers: IP or IP:PORT. */
  resolve: z
    .strictObject({
      servers: z.array(z.string().regex(RESOLVER, 'not IP, IP:PORT or [IPv6]:PORT')).default([]),
      timeout: Duration.default(3),
      maxAddrs: z.number().int().positive().max(64).default(8),
      maxNames: z.number().int().positive().max(256).default(32),
      blockPrivate: z.boolean().default(false),
      blockResolvers: z.boolean().default(false),
    })
    .prefault({}),
});
export type Policy = z.infer<typeof PolicySchema>;

/**
 * What runs when no policy file is given: act on miners with strong evidence, block pools for a day, remove
 * persistence but ask before touching SSH keys.
 */
export const DEFAULT_POLICY_YAML = `version: 1
rules:
  - id: kill-confirmed-miners
    description: kill and quarantine only miners with command-line, wire or pool evidence
    match: { rules: ['miner.*', 'net.miner-port', 'proc.exe.*', 'proc.masquerade.*'], minSeverity: high, evidence: [cmdline, network, pool] }
    actions: [kill, quarantine]
  - id: block-pools
    match: { rules: ['miner.*', 'net.*'], minSeverity: medium }
    actions: [block]
    duration: 24h
  - id: remove-persistence
    match: { rules: ['miner.*'], minSeverity: high }
    actions: [unpersist]
    confirm: [authorized_keys]
  - id: ban-brute-force
    match: { rules: ['ssh.brute-force', 'ssh.slow-brute-force', 'ssh.user-enumeration', 'ssh.success-after-failures', 'ssh.fleet-attacker-login'], minSeverity: medium }
    actions: [ban]
`;

function locate(
  doc: ReturnType<typeof parseDocument>,
  lc: LineCounter,
  path: PropertyKey[],
): number | undefined {
  let node: unknown = doc.contents;
  for (const key of path) {
    if (!node || typeof node !== 'object' || !('get' in node)) break;
    const next = (node as { get(k: unknown, keep: boolean): unknown }).get(key, true);
    if (next === undefined) break;
    node = next;
  }
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? lc.linePos(range[0]).line : undefined;
}

/** Reads and validates a policy; errors name the file, line and field. */
export function parsePolicy(text: string, file = '<policy>'): Policy {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  const yamlErr = doc.errors[0];
  if (yamlErr) {
    const line = yamlErr.linePos?.[0]?.line;
    throw new MinewardenError('MW_CONFIG_INVALID', yamlErr.message.split('\n')[0] ?? 'invalid YAML', {
      file,
      ...(line ? { line } : {}),
    });
  }
  if (!isMap(doc.contents))
    throw new MinewardenError('MW_CONFIG_INVALID', 'a policy is a YAML mapping', { file });
  const parsed = PolicySchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // An unknown key is reported on its parent; point at the key itself.
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    const line = locate(doc, lc, path);
    throw new MinewardenError('MW_CONFIG_INVALID', issue.message, {
      file,
      ...(line ? { line } : {}),
      field: path.join('.'),
    });
  }
  return Object.freeze(parsed.data);
}

export function loadPolicy(path?: string): Policy {
  if (!path) return parsePolicy(DEFAULT_POLICY_YAML, '<built-in policy>');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MinewardenError(
      code === 'ENOENT' ? 'MW_INPUT_NOT_FOUND' : 'MW_INPUT_UNREADABLE',
      `cannot read policy: ${code}`,
      {
        file: path,
      },
    );
  }
  return parsePolicy(text, path);
}

/** A policy `match.rules` pattern against a finding rule id (`*` at the end matches a prefix). */
export function ruleIdMatches(pattern: string, id: string): boolean {
  return pattern.endsWith('*') ? id.startsWith(pattern.slice(0, -1)) : pattern === id;
}

function evidenceOf(f: Finding): Set<(typeof EVIDENCE)[number]> {
  const out = new Set<(typeof EVIDENCE)[number]>();
  if (f.ruleId.startsWith('net.')) out.add('network');
  if (f.ruleId === 'miner.cmdline') out.add('cmdline');
  if (/pool|stratum/.test(f.ruleId) || JSON.stringify(f.evidence).includes('stratum')) out.add('pool');
  return out;
}

export interface RuleDecision {
  rule: PolicyRule;
  /** The findings of the group that this rule matched on. */
  findings: Finding[];
}

/**
 * For one group of findings (one process, or one source address), which rule decides each action kind: the first
 * rule, in file order, whose match holds for the group.
 */
export function decide(policy: Policy, findings: readonly Finding[]): Map<ActionKind, RuleDecision> {
  const out = new Map<ActionKind, RuleDecision>();
  const evidence = new Set(findings.flatMap((f) => [...evidenceOf(f)]));
  for (const rule of policy.rules) {
    const m = rule.match;
    const hits = findings.filter(
      (f) =>
        m.rules.some((p) => ruleIdMatches(p, f.ruleId)) &&
        atLeast(f.severity, m.minSeverity) &&
        f.confidence >= m.minConfidence,
    );
    if (hits.length === 0) continue;
    if (m.evidence.length > 0 && !m.evidence.some((e) => evidence.has(e))) continue;
    for (const kind of rule.actions) if (!out.has(kind)) out.set(kind, { rule, findings: hits });
  }
  return out;
}
