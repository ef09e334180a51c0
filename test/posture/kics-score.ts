import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from '../../src/model/finding.js';
import type { Assets } from '../../src/posture/assets.js';
import { IAC_CHECKS } from '../../src/posture/checks/index.js';
import { loadCompose, loadDockerfile, loadK8s, loadTerraform } from '../../src/posture/load.js';
import { runChecks } from '../../src/posture/run.js';

export const CLOUDCONFIG = path.resolve(import.meta.dirname, '../../../shared/data/cloudconfig');
const HOST = { id: 'score', name: 'score' };

export type Loader = 'terraform' | 'k8s' | 'compose' | 'dockerfile';
const LOADERS: Record<Loader, (p: string) => Assets> = {
  terraform: loadTerraform,
  k8s: (p) => loadK8s(p),
  compose: loadCompose,
  dockerfile: loadDockerfile,
};

export function findingsFor(loader: Loader, file: string): Finding[] {
  return runChecks(LOADERS[loader](file), IAC_CHECKS, HOST, '2026-01-01T00:00:00Z');
}

export function anchors(f: Finding): number[] {
  const lines = f.evidence.lines;
  return Array.isArray(lines) ? lines.map(Number) : [Number(f.evidence.line)];
}

export interface QueryScore {
  query: string;
  expected: number;
  covered: number;
  ours: number;
  oursMatching: number;
  negativeFindings: number;
  recall: number;
  precision: number;
  missed: string[];
  falsePositives: string[];
  /** `file:line` of every finding on a negative file. */
  negativeHits: string[];
}

/**
 * KICS convention: every positive file yields findings on the lines of positive_expected_result.json, every negative
 * file none. KICS pins a finding to the resource, block or attribute line depending on the query; our findings carry
 * all three (evidence.lines), and a finding counts as on the expected line when any of them is.
 */
export function scoreKicsQuery(query: string, loader: Loader, match: (f: Finding) => boolean): QueryScore {
  const dir = path.join(CLOUDCONFIG, 'kics/assets/queries', query, 'test');
  const files = readdirSync(dir).sort();
  const expectedRaw = JSON.parse(readFileSync(path.join(dir, 'positive_expected_result.json'), 'utf8')) as {
    line: number;
    filename?: string;
    fileName?: string;
  }[];
  const positives = files.filter((f) => f.startsWith('positive') && !f.endsWith('_expected_result.json'));
  const negatives = files.filter((f) => f.startsWith('negative'));
  const expected = new Set<string>();
  for (const e of expectedRaw) {
    const fn = e.filename ?? e.fileName ?? (positives.length === 1 ? positives[0] : '?');
    expected.add(`${fn}:${e.line}`);
  }
  const ours: { file: string; f: Finding }[] = [];
  for (const p of positives)
    for (const f of findingsFor(loader, path.join(dir, p)).filter(match)) ours.push({ file: p, f });
  const covered = new Set<string>();
  let oursMatching = 0;
  const falsePositives: string[] = [];
  for (const { file, f } of ours) {
    const hits = anchors(f)
      .flatMap((l) => [`${file}:${l}`, `?:${l}`])
      .filter((k) => expected.has(k));
    if (hits.length) oursMatching++;
    else falsePositives.push(`${file}:${f.evidence.line} ${f.ruleId}`);
    for (const h of hits) covered.add(h);
  }
  let negativeFindings = 0;
  const negativeHits: string[] = [];
  for (const n of negatives) {
    const fs = findingsFor(loader, path.join(dir, n)).filter(match);
    negativeFindings += fs.length;
    negativeHits.push(...fs.map((f) => `${n}:${f.evidence.line}`));
    falsePositives.push(...fs.map((f) => `${n}:${f.evidence.line} ${f.ruleId}`));
  }
  const missed = [...expected].filter((k) => !covered.has(k));
  const total = ours.length + negativeFindings;
  return {
    query,
    expected: expected.size,
    covered: covered.size,
    ours: ours.length,
    oursMatching,
    negativeFindings,
    recall: expected.size ? covered.size / expected.size : 1,
    precision: total ? oursMatching / total : 1,
    missed,
    falsePositives,
    negativeHits,
  };
}
