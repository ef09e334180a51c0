import { relative } from 'node:path';
import { loadMinerPorts } from '../../intel/miner-ports.js';
import { techniqueName } from '../../model/techniques.js';
import type { Detector } from '../detector.js';
import { codedDetectors } from '../detectors/index.js';
import { loadRulePack, packDetectors, packDir, type RulePack } from './pack.js';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
}

function techniques(ids: readonly string[]): string {
  return ids.map((t) => `${t} ${techniqueName(t) ?? ''}`.trim()).join('; ');
}

function row(d: Detector, looksAt: string, source: string): string {
  const m = d.meta;
  return `| \`${m.id}\` | ${cell(m.title)} | ${m.severity} | ${m.confidence} | ${cell(techniques(m.techniques))} | ${cell(looksAt)} | ${source} |`;
}

const HEADER =
  '| id | title | severity | confidence | ATT&CK | looks at | source |\n| --- | --- | --- | --- | --- | --- | --- |';

/**
 * docs/rules.md, generated from the rules themselves: the Sigma pack (its metadata and the fields each rule reads)
 * and the coded detectors (their metadata and the event kinds they take). A test fails when the file is stale.
 */
export function renderRuleCatalog(pack: RulePack = loadRulePack()): string {
  const base = packDir();
  const sigma = packDetectors(pack);
  const sigmaRows = pack.rules.map(({ rule }, i) => {
    const d = sigma[i]!;
    const ls = Object.entries(rule.logsource)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}:${v}`)
      .join(' ');
    const fields = [...new Set(rule.detection.fields)].join(', ');
    return row(
      d,
      `${ls}: ${fields}`,
      `[${relative(base, rule.file)}](../src/detect/rules/sigma/${relative(base, rule.file)})`,
    );
  });
  const coded = codedDetectors({ minerPorts: loadMinerPorts() })
    .sort((a, b) => a.meta.id.localeCompare(b.meta.id))
    .map((d) => row(d, `${d.kinds.join(', ')} events`, 'coded (src/detect/detectors/)'));
  const details = pack.rules
    .map(
      ({ rule, fields }) =>
        `### ${fields.name}\n\n${cell(rule.description ?? rule.title)}\n\n- False positives: ${cell(rule.falsepositives.join('; '))}\n- Recommendation: ${cell(fields.recommendation)}\n- Tests: ${fields.tests.match.length} positive, ${fields.tests.nomatch.length} negative events in the rule file`,
    )
    .join('\n\n');
  const codedDetails = codedDetectors({ minerPorts: loadMinerPorts() })
    .sort((a, b) => a.meta.id.localeCompare(b.meta.id))
    .map(
      (d) =>
        `### ${d.meta.id}\n\n- False positives: ${cell(d.meta.falsePositives)}\n- Recommendation: ${cell(d.meta.recommendation)}`,
    )
    .join('\n\n');
  return `# Rule catalog

<!-- Generated from the rules by \`npm run build && node scripts/gen-rules-doc.mjs\`; do not edit by hand. -->

minewarden ships ${sigma.length} Sigma rules (src/detect/rules/sigma/, one per file, each with its own positive and
negative test events) and ${coded.length} coded detectors for what needs state or intel (src/detect/detectors/). Both
produce findings with the rule id below. Severity is the default; a coded detector may raise or lower it per
finding from its evidence.

## Sigma rules

${HEADER}
${sigmaRows.join('\n')}

## Coded detectors

${HEADER}
${coded.join('\n')}

## Details: Sigma rules

${details}

## Details: coded detectors

${codedDetails}
`;
}
