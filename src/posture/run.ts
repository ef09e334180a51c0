import { type Entity, type Finding, findingId } from '../model/finding.js';
import type { HostRef } from '../model/host.js';
import { severityRank } from '../model/severity.js';
import type { Assets, ResourceRef } from './assets.js';
import type { PostureCheck, PostureHit } from './checks/check.js';

const CLOUD_SOURCES = new Set(['terraform', 'terraform-plan', 'aws-api']);

function kindOf(resource: ResourceRef): Entity['kind'] {
  if (CLOUD_SOURCES.has(resource.source)) return 'cloud-resource';
  if (resource.type === 'package') return 'package';
  if (resource.type === 'listener') return 'service';
  return 'config';
}

export function entityFor(resource: ResourceRef, port?: number): Entity {
  const entity: Entity = { kind: kindOf(resource), name: resource.address };
  if (resource.file) entity.path = resource.file;
  if (port !== undefined) entity.port = port;
  return entity;
}

export function findingFromHit(check: PostureCheck, hit: PostureHit, host: HostRef, time: string): Finding {
  const m = check.meta;
  const entity = entityFor(hit.resource, hit.port);
  // The hit key keeps two rules of one resource apart; ids stay stable while the file does not change.
  const id = findingId(host.id, m.id, { ...entity, name: `${hit.resource.address}#${hit.key ?? ''}` });
  return {
    id,
    ruleId: m.id,
    title: hit.title ?? m.title,
    severity: hit.severity ?? m.severity,
    confidence: hit.confidence ?? m.confidence,
    category: m.category,
    techniques: [...m.techniques],
    host,
    time,
    entity,
    evidence: {
      resource: hit.resource.address,
      resourceType: hit.resource.type,
      source: hit.resource.source,
      file: hit.resource.file,
      line: hit.line,
      lines: hit.lines,
      ...hit.evidence,
    },
    recommendation: m.remediation,
  };
}

/** Runs every check over the assets; findings come out most severe first, then by file and line. */
export function runChecks(
  assets: Assets,
  checks: readonly PostureCheck[],
  host: HostRef,
  time: string,
): Finding[] {
  const byId = new Map<string, Finding>();
  for (const check of checks) {
    for (const hit of check.run(assets)) {
      const f = findingFromHit(check, hit, host, time);
      if (!byId.has(f.id)) byId.set(f.id, f);
    }
  }
  return [...byId.values()].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      String(a.evidence.file).localeCompare(String(b.evidence.file)) ||
      Number(a.evidence.line) - Number(b.evidence.line) ||
      a.ruleId.localeCompare(b.ruleId),
  );
}
