import { type Entity, type Finding, findingId } from '../model/finding.js';
import type { HostRef } from '../model/host.js';
import type { JournalEntry } from '../respond/journal/journal.js';
import type { AutoMode } from './auto-respond-memory.js';

/** The rule id of the finding each automatic response run ships, so the server shows what the agent did. */
export const AUTO_RESPONSE_RULE = 'response.auto';

export interface RunReport {
  host: HostRef;
  mode: AutoMode;
  /** Where the policy came from: the server's push, the agent's --policy file, or the built-in one. */
  policySource: 'pushed' | 'file' | 'built-in';
  runId: string;
  incidentId?: string;
  findings: readonly Finding[];
  entries: readonly JournalEntry[];
  /** What the plan could not do itself (pool names it could not resolve, say). */
  notes?: readonly string[];
  time: number;
}

function count(entries: readonly JournalEntry[]): string {
  const by = new Map<string, number>();
  for (const e of entries) {
    const k = `${e.kind} ${e.status}`;
    by.set(k, (by.get(k) ?? 0) + 1);
  }
  return [...by].map(([k, n]) => `${n} ${k}`).join(', ');
}

/** The process the run was mostly about (its first kill or quarantine), else the first banned address. */
function entityOf(findings: readonly Finding[], entries: readonly JournalEntry[]): Entity {
  const acted = new Set(entries.flatMap((e) => e.findingIds));
  const proc = findings.find((f) => acted.has(f.id) && f.entity.kind === 'process');
  if (proc) {
    const e = proc.entity;
    return {
      kind: 'process',
      ...(e.pid !== undefined ? { pid: e.pid } : {}),
      ...(e.exe ? { exe: e.exe } : {}),
      ...(e.name ? { name: e.name } : {}),
      ...(e.startTime ? { startTime: e.startTime } : {}),
      ...(e.container ? { container: e.container } : {}),
    };
  }
  const ip = findings.find((f) => acted.has(f.id) && f.entity.ip)?.entity.ip;
  return ip ? { kind: 'source-ip', ip } : { kind: 'service', name: 'minewarden-agent' };
}

/**
 * One info finding per run: mode, policy rules, each action with its outcome, the findings acted on and the journal
 * run id. It carries the incident id of the findings it answered, so it shows in that incident and on the host.
 */
export function runFinding(r: RunReport): Finding {
  const entity = entityOf(r.findings, r.entries);
  const rules = [...new Set(r.entries.map((e) => e.ruleId).filter((x): x is string => !!x))];
  const applied = r.entries.filter((e) => e.status === 'applied').length;
  const verb = r.mode === 'simulate' ? 'simulated' : applied > 0 ? 'applied' : 'nothing applied';
  return {
    // One per run: the run id joins the rule id in the key, so runs about one process do not overwrite each other.
    id: findingId(r.host.id, `${AUTO_RESPONSE_RULE}.${r.runId}`, entity),
    ruleId: AUTO_RESPONSE_RULE,
    title: `Automatic response (${r.mode}, ${verb}): ${count(r.entries)}`,
    severity: 'info',
    confidence: 1,
    category: 'impact',
    techniques: [],
    host: { id: r.host.id, name: r.host.name },
    time: new Date(r.time).toISOString(),
    entity,
    evidence: {
      mode: r.mode,
      policy: r.policySource,
      policyRules: rules,
      runId: r.runId,
      findingIds: [...new Set(r.entries.flatMap((e) => e.findingIds))],
      actions: r.entries.map((e) => ({
        id: e.id,
        kind: e.kind,
        target: e.target,
        status: e.status,
        ...(e.ruleId ? { ruleId: e.ruleId } : {}),
        ...(e.detail ? { detail: e.detail } : {}),
      })),
      ...(r.notes?.length ? { notes: r.notes.slice(0, 20) } : {}),
    },
    recommendation:
      `On the host: \`minewarden respond --list --run ${r.runId}\` shows the journal, ` +
      `\`minewarden undo --run ${r.runId}\` reverses what can be reversed.`,
    ...(r.incidentId ? { incidentId: r.incidentId } : {}),
  };
}
