import { z } from 'zod';
import data from '../intel/data/threat-groups.json' with { type: 'json' };
import { MinewardenError } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import { compareText } from '../util/compare.js';

const IndicatorSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('text'),
    pattern: z.string().min(1),
    weight: z.number().positive(),
    label: z.string(),
  }),
  z.object({
    kind: z.literal('rule'),
    pattern: z.string().min(1),
    weight: z.number().positive(),
    label: z.string(),
  }),
  z.object({
    kind: z.literal('port'),
    ports: z.array(z.number().int().min(1).max(65535)).min(1),
    weight: z.number().positive(),
    label: z.string(),
  }),
]);
const GroupsSchema = z.object({
  version: z.string(),
  date: z.string(),
  groups: z.array(z.object({ name: z.string().min(1), indicators: z.array(IndicatorSchema).min(1) })),
});

interface CompiledIndicator {
  label: string;
  weight: number;
  test(text: string, rules: readonly string[], ports: ReadonlySet<number>): boolean;
}

export interface GroupProfile {
  name: string;
  indicators: CompiledIndicator[];
}

export interface Attribution {
  group: string;
  score: number;
  indicators: string[];
}

/** Loads and compiles the threat-group profiles; a bad pattern names the group and indicator. */
export function loadGroupProfiles(raw: unknown = data): GroupProfile[] {
  const parsed = GroupsSchema.safeParse(raw);
  const file = 'src/intel/data/threat-groups.json';
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MinewardenError('MW_INPUT_SCHEMA', issue?.message ?? 'invalid', {
      file,
      field: issue?.path.join('.') ?? '',
    });
  }
  return parsed.data.groups.map((g, gi) => ({
    name: g.name,
    indicators: g.indicators.map((ind, ii): CompiledIndicator => {
      if (ind.kind === 'port') {
        const set = new Set(ind.ports);
        return {
          label: ind.label,
          weight: ind.weight,
          test: (_t, _r, ports) => [...set].some((p) => ports.has(p)),
        };
      }
      let re: RegExp;
      try {
        re = new RegExp(ind.pattern, 'i');
      } catch (err) {
        throw new MinewardenError('MW_INPUT_SCHEMA', `bad pattern: ${(err as Error).message}`, {
          file,
          field: `groups.${gi}.indicators.${ii}.pattern`,
        });
      }
      return ind.kind === 'text'
        ? { label: ind.label, weight: ind.weight, test: (t) => re.test(t) }
        : { label: ind.label, weight: ind.weight, test: (_t, rules) => rules.some((r) => re.test(r)) };
    }),
  }));
}

/** Every string inside a value, unescaped, so patterns see evidence as it was written (not JSON-quoted). */
function strings(v: unknown, out: string[], depth = 0): void {
  if (typeof v === 'string') out.push(v);
  else if (depth < 8 && Array.isArray(v)) for (const x of v) strings(x, out, depth + 1);
  else if (depth < 8 && v && typeof v === 'object')
    for (const x of Object.values(v)) strings(x, out, depth + 1);
}

/**
 * A command that kills processes by name. Cryptojacking scripts open by killing the other gangs' miners, so the
 * names in such a command are the rivals', not the actor's: they must not count toward the rival's profile.
 */
const RIVAL_KILL = /\b(pkill|killall|kill)\b|\bxargs\b[^\n]*\bkill\b/;

/** Drops the kill commands from a text (split at ; && || and newlines, so the other commands of a line stay). */
function withoutKills(text: string): string {
  if (!RIVAL_KILL.test(text)) return text;
  return text
    .split(/\n|;|&&|\|\|/)
    .filter((cmd) => !RIVAL_KILL.test(cmd))
    .join('\n');
}

/**
 * Everything an incident's findings say, as one text to match indicators against (entities and evidence). What a
 * finding says about rivals is left out: competitor.* findings entirely, and kill commands wherever they appear.
 */
function incidentText(findings: readonly Finding[]): string {
  const out: string[] = [];
  for (const f of findings) {
    if (f.ruleId.startsWith('competitor.')) continue;
    strings([f.entity.exe, f.entity.path, f.entity.name, f.evidence], out);
  }
  return out.map(withoutKills).join('\n');
}

// Score saturates: two strong indicators make a confident attribution, weak ones add up slowly.
const SCALE = 3;

/**
 * Scores each group against an incident's findings: score = 1 - exp(-sum of matched weights / 3). Groups below
 * `threshold` are left out, so an incident with nothing specific stays unattributed. Best first. Text indicators
 * never see the names of killed rivals (see incidentText); rule indicators still see every rule id, so a profile
 * may count a habit such as killing rivals.
 */
export function attribute(
  findings: readonly Finding[],
  profiles: readonly GroupProfile[],
  threshold = 0.5,
): Attribution[] {
  const text = incidentText(findings);
  const rules = findings.map((f) => f.ruleId);
  const ports = new Set(
    findings.flatMap((f) =>
      f.entity.kind === 'connection' && f.entity.port !== undefined ? [f.entity.port] : [],
    ),
  );
  const out: Attribution[] = [];
  for (const g of profiles) {
    const matched = g.indicators.filter((i) => i.test(text, rules, ports));
    const sum = matched.reduce((a, i) => a + i.weight, 0);
    const score = Math.round((1 - Math.exp(-sum / SCALE)) * 100) / 100;
    if (score >= threshold) out.push({ group: g.name, score, indicators: matched.map((i) => i.label) });
  }
  return out.sort((a, b) => b.score - a.score || compareText(a.group, b.group));
}
