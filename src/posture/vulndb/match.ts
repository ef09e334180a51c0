import type { WarningSink } from '../../model/errors.js';
import type { InstalledPackage } from '../collectors/packages.js';
import { compareFor } from '../versions/compare.js';
import { fixedAbove, isVulnerable } from '../versions/osv-range.js';
import { BUILTIN_ADVISORIES } from './builtin.js';
import type { Advisory } from './osv.js';

export interface KevEntry {
  dateAdded: string;
  ransomware: boolean;
}

export interface VulnMatch {
  pkg: InstalledPackage;
  advisory: Advisory;
  /** The CVE (or the advisory id) this match is about; one finding per package and CVE. */
  cve: string;
  fixed: string | undefined;
  kev: KevEntry | undefined;
  miningGroups: string[];
  sources: string[];
}

function baseEcosystem(e: string): string {
  return e.startsWith('minewarden:') ? e : e.split(':')[0]!;
}

function normName(eco: string, name: string): string {
  return baseEcosystem(eco) === 'PyPI' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name;
}

/**
 * A distribution advisory for one release applies to that release only; one without a release to all. Red Hat's
 * ecosystems go on past the release ("Red Hat:enterprise_linux:9::appstream"): they apply to that release.
 */
function ecosystemApplies(advisoryEco: string, pkgEco: string): boolean {
  if (advisoryEco === pkgEco) return true;
  if (advisoryEco.startsWith(`${pkgEco}:`) && pkgEco.includes(':')) return true;
  return baseEcosystem(advisoryEco) === advisoryEco && baseEcosystem(pkgEco) === advisoryEco;
}

/** Advisories indexed by (ecosystem, package): matching 3,000 packages looks up a handful of records each. */
export class AdvisoryIndex {
  private readonly byPackage = new Map<
    string,
    { advisory: Advisory; affected: Advisory['affected'][number] }[]
  >();
  private readonly groups = new Map<string, { groups: string[]; sources: string[] }>();

  constructor(
    advisories: readonly Advisory[],
    private readonly kev: ReadonlyMap<string, KevEntry> = new Map(),
  ) {
    for (const b of BUILTIN_ADVISORIES)
      for (const id of [b.id, ...b.aliases])
        this.groups.set(id, { groups: b.miningGroups ?? [], sources: b.sources ?? [] });
    for (const advisory of advisories)
      for (const affected of advisory.affected) {
        const key = `${baseEcosystem(affected.ecosystem)}\u0000${normName(affected.ecosystem, affected.name)}`;
        const list = this.byPackage.get(key);
        if (list) list.push({ advisory, affected });
        else this.byPackage.set(key, [{ advisory, affected }]);
      }
  }

  get size(): number {
    return this.byPackage.size;
  }

  match(pkgs: readonly InstalledPackage[], warnings?: WarningSink): VulnMatch[] {
    const out = new Map<string, VulnMatch>();
    for (const pkg of pkgs) {
      const cands = this.byPackage.get(
        `${baseEcosystem(pkg.ecosystem)}\u0000${normName(pkg.ecosystem, pkg.name)}`,
      );
      if (!cands) continue;
      for (const { advisory, affected } of cands) {
        if (!ecosystemApplies(affected.ecosystem, pkg.ecosystem)) continue;
        const cve = advisory.aliases.find((a) => a.startsWith('CVE-')) ?? advisory.id;
        const key = `${pkg.ecosystem}\u0000${pkg.name}\u0000${pkg.version}\u0000${cve}`;
        if (out.has(key)) continue;
        // One unorderable version must not hide the others: it becomes a warning, the rest are still decided.
        let hit: boolean;
        let fixed: string | undefined;
        try {
          const type = affected.ranges[0]?.type ?? 'ECOSYSTEM';
          const cmp = compareFor(affected.ecosystem, type);
          hit = isVulnerable(pkg.version, affected, cmp);
          fixed = hit ? fixedAbove(pkg.version, affected.ranges, cmp) : undefined;
        } catch (err) {
          warnings?.add(
            'MW_W_VERSION_UNREADABLE',
            `${advisory.id} on ${pkg.name} ${pkg.version}: ${(err as Error).message}`,
            `${pkg.name}:${advisory.id}`,
          );
          continue;
        }
        if (!hit) continue;
        const tags = [advisory.id, ...advisory.aliases].map((id) => this.groups.get(id)).find((g) => g);
        out.set(key, {
          pkg,
          advisory,
          cve,
          fixed,
          kev: this.kev.get(cve),
          miningGroups: advisory.miningGroups ?? tags?.groups ?? [],
          sources: advisory.sources ?? tags?.sources ?? [],
        });
      }
    }
    return [...out.values()];
  }
}
