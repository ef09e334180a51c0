import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding } from '../model/finding.js';
import type { Severity } from '../model/severity.js';

/** What SARIF needs to describe a rule; posture checks and detectors both provide it. */
export interface SarifRuleInfo {
  id: string;
  title: string;
  severity: Severity;
  remediation?: string;
  references?: readonly string[];
  techniques?: readonly string[];
}

export interface SarifOptions {
  toolName?: string;
  version: string;
  /** Paths under this directory are written relative to it (as SARIF viewers expect); others as file:// URIs. */
  baseDir?: string;
  rules?: readonly SarifRuleInfo[];
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub code scanning reads this 0-10 score to rank results. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

function artifactUri(file: string, baseDir: string | undefined): string {
  const abs = path.resolve(file);
  if (baseDir) {
    const rel = path.relative(path.resolve(baseDir), abs);
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  }
  return pathToFileURL(abs).href;
}

/** SARIF 2.1.0 log for findings about files or resources; findings without a file get no location. */
export function renderSarif(findings: readonly Finding[], opts: SarifOptions): string {
  const known = new Map((opts.rules ?? []).map((r) => [r.id, r]));
  const ruleIds = [...new Set(findings.map((f) => f.ruleId))].sort();
  const rules = ruleIds.map((id) => {
    const meta = known.get(id);
    const sample = findings.find((f) => f.ruleId === id)!;
    const severity = meta?.severity ?? sample.severity;
    const help = meta?.remediation ?? sample.recommendation;
    const helpUri = meta?.references?.[0];
    return {
      id,
      name: id.replace(/[^A-Za-z0-9]+(.)/g, (_, c: string) => c.toUpperCase()),
      shortDescription: { text: meta?.title ?? sample.title },
      ...(help ? { help: { text: help } } : {}),
      ...(helpUri ? { helpUri } : {}),
      defaultConfiguration: { level: LEVEL[severity] },
      properties: {
        tags: ['security', ...(meta?.techniques ?? sample.techniques)],
        'security-severity': SECURITY_SEVERITY[severity],
        ...(meta?.references?.length ? { references: [...meta.references] } : {}),
      },
    };
  });
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const results = findings.map((f) => {
    const file = typeof f.evidence.file === 'string' ? f.evidence.file : f.entity.path;
    const line = typeof f.evidence.line === 'number' && f.evidence.line > 0 ? f.evidence.line : undefined;
    const where = f.entity.name ?? f.entity.path ?? f.entity.exe ?? '';
    return {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId)!,
      level: LEVEL[f.severity],
      message: { text: where ? `${f.title}: ${where}` : f.title },
      ...(file
        ? {
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: artifactUri(file, opts.baseDir) },
                  ...(line ? { region: { startLine: line } } : {}),
                },
                ...(f.entity.name ? { logicalLocations: [{ name: f.entity.name, kind: 'resource' }] } : {}),
              },
            ],
          }
        : {}),
      partialFingerprints: { minewardenFindingId: f.id },
      properties: {
        severity: f.severity,
        confidence: f.confidence,
        category: f.category,
        entity: f.entity,
        evidence: f.evidence,
      },
    };
  });
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: opts.toolName ?? 'minewarden',
            version: opts.version,
            informationUri: 'https://github.com/minewarden/minewarden',
            rules,
          },
        },
        results,
        columnKind: 'unicodeCodePoints',
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
