import type { Warning } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import type { Incident } from '../model/incident.js';
import { SEVERITIES, severityRank } from '../model/severity.js';
import { renderTable } from './table.js';

/** What every findings-producing command prints; `extra` carries command-specific top-level keys. */
export interface FindingsReport {
  findings: readonly Finding[];
  incidents?: readonly Incident[];
  warnings?: readonly Warning[];
  summary?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

export function countBySeverity(findings: readonly Pick<Finding, 'severity'>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of SEVERITIES) out[s] = 0;
  for (const f of findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}

function entityLabel(f: Finding): string {
  const e = f.entity;
  const parts: string[] = [];
  if (e.pid !== undefined) parts.push(`pid ${e.pid}`);
  if (e.exe) parts.push(e.exe);
  else if (e.path) parts.push(e.path);
  else if (e.name) parts.push(e.name);
  if (e.ip) parts.push(e.port !== undefined ? `${e.ip}:${e.port}` : e.ip);
  else if (e.port !== undefined) parts.push(`port ${e.port}`);
  return parts.join(' ');
}

export function findingsTable(findings: readonly Finding[]): string {
  if (findings.length === 0) return 'No findings.\n';
  const sorted = [...findings].sort((a, b) => severityRank(b.severity) - severityRank(a.severity));
  return renderTable(
    ['severity', 'rule', 'entity', 'title'],
    sorted.map((f) => [f.severity.toUpperCase(), f.ruleId, entityLabel(f), f.title]),
  );
}

export function warningsText(warnings: readonly Warning[]): string {
  return warnings.map((w) => `warning ${w.code}: ${w.message}${w.path ? ` (${w.path})` : ''}\n`).join('');
}

/** json: one document; ndjson: one line per finding then per incident; table: findings, then warnings. */
export function renderFindingsReport(report: FindingsReport, format: 'table' | 'json' | 'ndjson'): string {
  if (format === 'json') {
    return `${JSON.stringify(
      {
        ...report.extra,
        findings: report.findings,
        incidents: report.incidents ?? [],
        summary: { ...report.summary, bySeverity: countBySeverity(report.findings) },
        warnings: report.warnings ?? [],
      },
      null,
      2,
    )}\n`;
  }
  if (format === 'ndjson') {
    const lines = [
      ...report.findings.map((f) => JSON.stringify({ type: 'finding', ...f })),
      ...(report.incidents ?? []).map((i) => JSON.stringify({ type: 'incident', ...i })),
    ];
    return lines.length ? `${lines.join('\n')}\n` : '';
  }
  return findingsTable(report.findings) + warningsText(report.warnings ?? []);
}
