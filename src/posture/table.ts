import path from 'node:path';
import type { Warning } from '../model/errors.js';
import type { Finding } from '../model/finding.js';
import { renderTable } from '../report/table.js';

/** Where a posture finding sits, as people search for it: file:line for inputs, the bind for listeners. */
function where(f: Finding, cwd: string): string {
  const file = typeof f.evidence.file === 'string' && f.evidence.file ? f.evidence.file : undefined;
  if (!file) return f.entity.port !== undefined ? `port ${f.entity.port}` : '';
  const rel = path.relative(cwd, file);
  const shown = rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
  const line = Number(f.evidence.line);
  const full = line > 0 ? `${shown}:${line}` : shown;
  // The end of the path (file name and line) is what people need; cut the start.
  return full.length > 60 ? `…${full.slice(-59)}` : full;
}

/** Findings are already ordered by severity; resources keep their own name, files their line. */
export function postureTable(
  findings: readonly Finding[],
  warnings: readonly Warning[],
  cwd = process.cwd(),
): string {
  const body = findings.length
    ? renderTable(
        ['severity', 'rule', 'resource', 'where', 'title'],
        findings.map((f) => [
          f.severity.toUpperCase(),
          f.ruleId.replace(/^posture\./, ''),
          f.entity.name ?? f.entity.path ?? '',
          where(f, cwd),
          f.title,
        ]),
        70,
      )
    : 'No findings.\n';
  return (
    body + warnings.map((w) => `warning ${w.code}: ${w.message}${w.path ? ` (${w.path})` : ''}\n`).join('')
  );
}
