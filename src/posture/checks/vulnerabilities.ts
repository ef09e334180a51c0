import type { Severity } from '../../model/severity.js';
import { type PostureCheck, uniqLines } from './check.js';

const SEV: Record<string, Severity> = {
  critical: 'critical',
  high: 'high',
  moderate: 'medium',
  medium: 'medium',
  low: 'low',
};

/**
 * Installed software matched to an advisory. Known exploitation raises the stakes: a CVE in the KEV catalog or
 * used by mining groups is at least high; both make it critical.
 */
export const vulnerablePackage: PostureCheck = {
  meta: {
    id: 'posture.vuln.package',
    title: 'Installed software has a known vulnerability',
    severity: 'medium',
    confidence: 0.9,
    category: 'vulnerability',
    techniques: ['T1190'],
    remediation:
      'Upgrade to the fixed version named in the evidence (apt-get install --only-upgrade, or the vendor release).',
    references: [
      'https://ossf.github.io/osv-schema/',
      'https://www.cisa.gov/known-exploited-vulnerabilities-catalog',
    ],
  },
  run(a) {
    return (a.vulns ?? []).map((m) => {
      const exploited = m.kev !== undefined || m.miningGroups.length > 0;
      const base = SEV[m.advisory.severity ?? ''] ?? 'medium';
      const severity: Severity =
        m.kev && m.miningGroups.length ? 'critical' : exploited && base !== 'critical' ? 'high' : base;
      return {
        resource: {
          address: `${m.pkg.name} ${m.pkg.version}`,
          type: 'package',
          file: m.pkg.file,
          line: m.pkg.line ?? 0,
          source: 'host' as const,
        },
        line: m.pkg.line ?? 0,
        lines: uniqLines(m.pkg.line),
        key: `${m.pkg.ecosystem}:${m.pkg.name}:${m.cve}`,
        title: `${m.cve}: ${m.advisory.summary || m.advisory.id} (${m.pkg.name} ${m.pkg.version})`,
        severity,
        evidence: {
          cve: m.cve,
          advisory: m.advisory.id,
          aliases: m.advisory.aliases,
          ecosystem: m.pkg.ecosystem,
          package: m.pkg.name,
          binary: m.pkg.binary,
          installed: m.pkg.version,
          fixed: m.fixed ?? '(no fixed version published)',
          ...(m.kev ? { kev: m.kev } : {}),
          ...(m.miningGroups.length ? { miningGroups: m.miningGroups, sources: m.sources } : {}),
          references: m.advisory.references.slice(0, 3),
        },
      };
    });
  },
};

export const VULNERABILITY_CHECKS: readonly PostureCheck[] = [vulnerablePackage];
