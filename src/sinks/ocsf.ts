import type { Finding } from '../model/finding.js';
import type { Severity } from '../model/severity.js';
import type { Alert } from './types.js';

/** OCSF 1.1 Detection Finding (class 2004, category 2 Findings), activity Create. */
export const OCSF_VERSION = '1.1.0';
const CLASS_UID = 2004;
const SEVERITY_ID: Record<Severity, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };

function product(version: string) {
  return { product: { name: 'minewarden', vendor_name: 'minewarden', version }, version: OCSF_VERSION };
}

function fromFinding(f: Finding, version: string): Record<string, unknown> {
  const t = Date.parse(f.time);
  return {
    activity_id: 1,
    activity_name: 'Create',
    category_uid: 2,
    category_name: 'Findings',
    class_uid: CLASS_UID,
    class_name: 'Detection Finding',
    type_uid: CLASS_UID * 100 + 1,
    time: t,
    severity_id: SEVERITY_ID[f.severity],
    severity: f.severity[0]?.toUpperCase() + f.severity.slice(1),
    status_id: 1,
    status: 'New',
    confidence_score: Math.round(f.confidence * 100),
    message: f.title,
    metadata: { ...product(version), uid: f.id },
    finding_info: {
      uid: f.id,
      title: f.title,
      types: [f.category],
      analytic: { uid: f.ruleId, name: f.ruleId, type_id: 1, type: 'Rule' },
      attacks: f.techniques.map((uid) => ({ technique: { uid } })),
      ...(f.incidentId ? { related_events_uid: f.incidentId } : {}),
    },
    device: { uid: f.host.id, hostname: f.host.name, type_id: 1, type: 'Server' },
    ...(f.recommendation ? { remediation: { desc: f.recommendation } } : {}),
    evidences: [{ data: { entity: f.entity, ...f.evidence } }],
  };
}

/** One OCSF Detection Finding per alert; an incident becomes a finding that names its member findings. */
export function toOcsf(a: Alert, version: string): Record<string, unknown> {
  if (a.kind === 'finding') return fromFinding(a.finding, version);
  const i = a.incident;
  return {
    ...fromFinding(
      {
        id: i.id,
        ruleId: 'incident',
        title: i.title,
        severity: i.severity,
        confidence: 1,
        category: 'impact',
        techniques: [],
        host: i.host,
        time: i.lastSeen,
        entity: { kind: 'service', name: 'incident' },
        evidence: { stages: i.stages, entryPoint: i.entryPoint, findings: i.findings },
      },
      version,
    ),
    finding_info: {
      uid: i.id,
      title: i.title,
      types: ['incident', ...i.stages],
      first_seen_time: Date.parse(i.firstSeen),
      last_seen_time: Date.parse(i.lastSeen),
      related_events: i.findings.map((uid) => ({ uid })),
    },
  };
}
