import type { VersionCompare } from './compare.js';

export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvRange {
  type: string;
  events: OsvEvent[];
}

export interface OsvAffected {
  ranges?: OsvRange[];
  versions?: string[];
}

function eventVersion(e: OsvEvent): string {
  return e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? '';
}

/** "0" as introduced sorts before everything; "*" as limit after everything (OSV schema, special values). */
function cmpEvent(a: OsvEvent, b: OsvEvent, cmp: VersionCompare): number {
  const zero = (e: OsvEvent) => e.introduced === '0';
  if (zero(a) || zero(b)) return zero(a) === zero(b) ? 0 : zero(a) ? -1 : 1;
  return cmp(eventVersion(a), eventVersion(b));
}

function beforeLimits(v: string, r: OsvRange, cmp: VersionCompare): boolean {
  const limits = r.events.filter((e) => e.limit !== undefined);
  if (limits.length === 0) return true;
  return limits.some((e) => e.limit!.includes('*') || cmp(v, e.limit!) < 0);
}

/**
 * IncludedInRanges from the OSV schema's Evaluation section, for ECOSYSTEM and SEMVER ranges (GIT ranges need the
 * commit graph and are skipped). A version the order cannot read throws; the caller reports it as unknown.
 */
export function includedInRanges(v: string, ranges: readonly OsvRange[], cmp: VersionCompare): boolean {
  for (const r of ranges) {
    if (r.type === 'GIT' || !beforeLimits(v, r, cmp)) continue;
    let vulnerable = false;
    // Limit events only bound the search (above); the timeline is the other three.
    const timeline = r.events.filter((e) => e.limit === undefined).sort((a, b) => cmpEvent(a, b, cmp));
    for (const e of timeline) {
      if (e.introduced !== undefined && (e.introduced === '0' || cmp(v, e.introduced) >= 0))
        vulnerable = true;
      else if (e.fixed !== undefined && cmp(v, e.fixed) >= 0) vulnerable = false;
      else if (e.last_affected !== undefined && cmp(v, e.last_affected) > 0) vulnerable = false;
    }
    if (vulnerable) return true;
  }
  return false;
}

export function isVulnerable(v: string, affected: OsvAffected, cmp: VersionCompare): boolean {
  if (affected.versions?.some((x) => x === v)) return true;
  return includedInRanges(v, affected.ranges ?? [], cmp);
}

/** The smallest fixed version above `v`, to tell people what to upgrade to. */
export function fixedAbove(v: string, ranges: readonly OsvRange[], cmp: VersionCompare): string | undefined {
  let best: string | undefined;
  for (const r of ranges)
    for (const e of r.events)
      if (e.fixed !== undefined && cmp(e.fixed, v) > 0 && (best === undefined || cmp(e.fixed, best) < 0))
        best = e.fixed;
  return best;
}
