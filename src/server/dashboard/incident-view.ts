import { STAGE_OF_CATEGORY } from '../../correlate/stages.js';
import type { Finding } from '../../model/finding.js';
import { type Incident, STAGES, type Stage } from '../../model/incident.js';
import type { Seen } from './classify.js';

/** The kill chain as the page draws it: these five always show, the others only when something happened there. */
export const HEADLINE_STAGES: readonly Stage[] = [
  'initial-access',
  'execution',
  'persistence',
  'defense-evasion',
  'impact',
];

export interface TimelineStep {
  stage: Stage;
  /** First time anything of this stage was seen; null when the stage has no evidence. */
  time: string | null;
  findings: Array<{
    id: string;
    ruleId: string;
    title: string;
    severity: Finding['severity'];
    time: string;
    entity: string;
    evidence: Record<string, unknown>;
  }>;
}

export interface IncidentView {
  incident: Incident;
  timeline: TimelineStep[];
  entities: string[];
  recommendations: string[];
}

export function describeEntity(f: Finding): string {
  const e = f.entity;
  switch (e.kind) {
    case 'process':
      return `process ${e.pid ?? '?'}${e.exe ? ` ${e.exe}` : ''}`;
    case 'connection':
      return `connection ${e.name ?? e.ip ?? ''}${e.port !== undefined ? `:${e.port}` : ''}`;
    case 'source-ip':
      return `source ${e.ip ?? e.name ?? ''}`;
    default:
      return `${e.kind} ${e.path ?? e.name ?? e.exe ?? e.ip ?? ''}`.trim();
  }
}

/** Bounded copy of the evidence: a page shows it, it does not need a megabyte command line. */
function trimEvidence(ev: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ev)) {
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    out[k] = s !== undefined && s.length > 600 ? `${s.slice(0, 600)}…` : v;
  }
  return out;
}

export function buildIncidentView(incident: Incident, findings: readonly Seen[]): IncidentView {
  const mine = findings.filter(
    (s) => s.finding.incidentId === incident.id || incident.findings.includes(s.finding.id),
  );
  const byStage = new Map<Stage, Seen[]>();
  for (const s of mine) {
    const st = STAGE_OF_CATEGORY[s.finding.category];
    if (!st) continue;
    byStage.set(st, [...(byStage.get(st) ?? []), s]);
  }
  const timeline: TimelineStep[] = STAGES.filter(
    (st) => HEADLINE_STAGES.includes(st) || byStage.has(st) || incident.stages.includes(st),
  ).map((stage) => {
    const list = (byStage.get(stage) ?? []).sort((a, b) => a.finding.time.localeCompare(b.finding.time));
    return {
      stage,
      time: list[0]?.finding.time ?? null,
      findings: list.map(({ finding: f }) => ({
        id: f.id,
        ruleId: f.ruleId,
        title: f.title,
        severity: f.severity,
        time: f.time,
        entity: describeEntity(f),
        evidence: trimEvidence(f.evidence),
      })),
    };
  });
  return {
    incident,
    timeline,
    entities: [...new Set(mine.map((s) => describeEntity(s.finding)))].sort(),
    recommendations: [
      ...new Set(mine.map((s) => s.finding.recommendation).filter((r): r is string => Boolean(r))),
    ],
  };
}
