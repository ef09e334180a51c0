import type { EventKind, TelemetryEvent } from '../../model/event.js';
import type { Category, Entity } from '../../model/finding.js';
import type { Severity } from '../../model/severity.js';
import { TECHNIQUES } from '../../model/techniques.js';
import type { Detector, Hit, RuleMeta } from '../detector.js';
import { processEntity } from '../entity.js';
import type { MatchInput } from './match/context.js';
import type { SigmaRule } from './parse/rule.js';
import type { CompiledRuleset } from './ruleset.js';
import type { Logsource, RuleHeader, SigmaLevel } from './types.js';

const SEVERITY: Record<SigmaLevel, Severity> = {
  informational: 'info',
  low: 'low',
  medium: 'medium',
  high: 'high',
  critical: 'critical',
};

/** Rules without a level are treated as medium: worth a look, not an alert. */
export function severityOf(level: SigmaLevel | undefined): Severity {
  return level ? SEVERITY[level] : 'medium';
}

/** `attack.t1496` -> T1496, only for techniques the catalog knows (src/model/techniques.ts). */
export function techniquesOf(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    const m = /^attack\.(t\d{4}(?:\.\d{3})?)$/i.exec(t);
    const id = m?.[1]?.toUpperCase();
    if (id && id in TECHNIQUES && !out.includes(id)) out.push(id);
  }
  return out;
}

const TACTIC_CATEGORY: Record<string, Category> = {
  'attack.execution': 'execution',
  'attack.persistence': 'persistence',
  'attack.privilege-escalation': 'execution',
  'attack.defense-evasion': 'defense-evasion',
  'attack.stealth': 'defense-evasion',
  'attack.defense-impairment': 'defense-evasion',
  'attack.credential-access': 'credential-access',
  'attack.discovery': 'discovery',
  'attack.lateral-movement': 'lateral-movement',
  'attack.impact': 'impact',
  'attack.initial-access': 'initial-access',
  'attack.command-and-control': 'network',
  'attack.exfiltration': 'network',
};

/** The first ATT&CK tactic tag decides; otherwise the logsource does. */
export function categoryOf(tags: readonly string[], ls: Logsource | undefined): Category {
  for (const t of tags) {
    const c = TACTIC_CATEGORY[t.toLowerCase()];
    if (c) return c;
  }
  return ls?.category === 'network_connection' || ls?.category === 'dns_query' ? 'network' : 'execution';
}

const CONFIDENCE: Record<string, number> = { stable: 0.8, test: 0.7, experimental: 0.5 };

/** Finding rule ids are lowercase and dotted: `sigma.<uuid>`, or a slug of the title for rules without an id. */
export function findingRuleId(r: RuleHeader): string {
  const raw = (r.id ?? r.name ?? r.title).toLowerCase();
  const slug = raw.replace(/[^a-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '');
  return `sigma.${slug || 'rule'}`;
}

export function ruleMeta(rule: SigmaRule): RuleMeta {
  return {
    id: findingRuleId(rule),
    title: rule.title,
    severity: severityOf(rule.level),
    confidence: CONFIDENCE[rule.status ?? ''] ?? 0.6,
    category: categoryOf(rule.tags, rule.logsource),
    techniques: techniquesOf(rule.tags),
    recommendation: `Review the event against the Sigma rule "${rule.title}"${rule.description ? `: ${rule.description.trim()}` : ''}`,
    falsePositives: rule.falsepositives.join('; '),
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The entity a Sigma match is about, by event kind. */
export function entityOf(event: TelemetryEvent): Entity {
  const f = event.fields;
  switch (event.kind) {
    case 'connection':
    case 'listener': {
      const e: Entity = { kind: 'connection' };
      const ip = str(f['destination.ip']);
      if (ip) e.ip = ip;
      const port = f['destination.port'];
      if (typeof port === 'number' && port >= 0 && port <= 65535) e.port = port;
      if (typeof f['process.pid'] === 'number') e.pid = f['process.pid'];
      const exe = str(f['process.exe']);
      if (exe) e.exe = exe;
      return e;
    }
    case 'file': {
      const e: Entity = { kind: 'file' };
      const path = str(f['file.path']);
      if (path) e.path = path;
      const exe = str(f['process.exe']);
      if (exe) e.exe = exe;
      return e;
    }
    case 'auth': {
      const e: Entity = { kind: 'account' };
      const name = str(f['auth.user']);
      if (name) e.name = name;
      const ip = str(f['source.ip']);
      if (ip) e.ip = ip;
      return e;
    }
    case 'log': {
      const e: Entity = { kind: 'service' };
      const name = str(f['log.program']) ?? str(f['process.name']) ?? event.source;
      if (name) e.name = name;
      return e;
    }
    default:
      return processEntity(event);
  }
}

/** The hit of a Sigma match: the fields the rule reads, verbatim, plus the rule's own identity. */
export function hitOf(rule: SigmaRule, event: TelemetryEvent): Hit {
  const seen: Record<string, unknown> = {};
  for (const name of rule.detection.fields)
    if (event.fields[name] !== undefined) seen[name] = event.fields[name];
  return {
    entity: entityOf(event),
    evidence: { sigma: { id: rule.id, title: rule.title, file: rule.file }, fields: seen },
  };
}

const ALL_KINDS: readonly EventKind[] = [
  'process',
  'exec',
  'exit',
  'connection',
  'listener',
  'dns',
  'file',
  'auth',
  'log',
];

function kindsOf(ls: Logsource): readonly EventKind[] {
  const c = ls.category;
  if (c === 'process_creation') return ['process', 'exec'];
  if (c === 'network_connection') return ['connection'];
  if (c === 'dns_query' || c === 'dns') return ['dns'];
  if (c?.startsWith('file_')) return ['file'];
  if (c !== undefined) return [];
  if (ls.service === 'auth' || ls.service === 'sshd' || ls.service === 'sudo') return ['auth', 'log'];
  if (ls.service !== undefined) return ['log'];
  return ALL_KINDS;
}

/**
 * Sigma rules as coded-detector look-alikes, so DetectionEngine turns their matches into findings exactly as it does
 * for coded detectors. All of them share one compiled ruleset: the first detector asked about an event matches it
 * against every rule once, and the others read that result.
 */
export function sigmaDetectors(ruleset: CompiledRuleset): Detector[] {
  let lastEvent: TelemetryEvent | undefined;
  let lastMatches = new Set<SigmaRule>();
  const matchesOf = (event: TelemetryEvent): Set<SigmaRule> => {
    if (event !== lastEvent) {
      const input: MatchInput = { event };
      lastMatches = new Set(ruleset.match(input));
      lastEvent = event;
    }
    return lastMatches;
  };
  return ruleset.rules.map((rule) => ({
    meta: ruleMeta(rule),
    kinds: kindsOf(rule.logsource),
    detect: (event: TelemetryEvent) => (matchesOf(event).has(rule) ? hitOf(rule, event) : null),
  }));
}
