import type { TelemetryEvent } from '../../model/event.js';
import type { RuleMeta } from '../detector.js';
import { num, str } from '../detectors/fields.js';
import { apiEvidence, op, principalEntity, succeeded } from './api-fields.js';
import type { CloudDetector, HostHit } from './engine.js';

const meta: RuleMeta = {
  id: 'cloud.api.run-instances-burst',
  title: 'Burst of instance launches (large or GPU types, or an unusual region)',
  severity: 'high',
  confidence: 0.7,
  category: 'impact',
  techniques: ['T1578.002', 'T1496'],
  recommendation:
    'Check the instances in that region now (they bill by the second); if nobody planned them, terminate them, disable the access key that launched them and look for how it leaked.',
  falsePositives:
    'Planned scale-outs, ML training jobs and batch fleets (list their regions as usual regions).',
};

export interface RunInstancesConfig {
  windowMs: number;
  /** Instances of any type within the window by one principal. */
  burstInstances: number;
  /** Instances of GPU, accelerated or 8xlarge-and-up types within the window by one principal. */
  largeInstances: number;
  /** Regions the account works in; launches elsewhere count from the first instance. Empty: learn from the log. */
  usualRegions: readonly string[];
}
export const DEFAULT_RUN_INSTANCES: RunInstancesConfig = {
  windowMs: 60 * 60_000,
  burstInstances: 10,
  largeInstances: 3,
  usualRegions: [],
};

/** GPU/accelerator families (p, g, inf, trn, dl, f, vt) and sizes of 8xlarge and up, and metal. */
export function isLargeType(type: string): boolean {
  if (/^(p\d|g\d|gr\d|inf\d|trn\d|dl\d|f\d|vt\d)[a-z0-9-]*\./.test(type)) return true;
  const m = /\.(\d+)xlarge$/.exec(type);
  return (m !== null && Number(m[1]) >= 8) || type.endsWith('.metal');
}

interface Launches {
  hostId: string;
  entityName: string;
  region: string;
  times: number[];
  counts: number[];
  types: Set<string>;
  large: number[];
  first: number;
  last: number;
  total: number;
  reported: boolean;
}

const MAX_KEYS = 10_000;

/**
 * RunInstances per principal and region in a sliding window: a burst of any instances, fewer of large/GPU types, or
 * any in a region outside the usual ones. Without configured regions, a region is unusual when it holds under a
 * tenth of the account's calls in the log (decided at the end of the input, when the whole log has been seen).
 */
export function apiRunInstancesBurst(config: Partial<RunInstancesConfig> = {}): CloudDetector {
  const c = { ...DEFAULT_RUN_INSTANCES, ...config };
  const usual = new Set(c.usualRegions);
  const launches = new Map<string, Launches>();
  const regionCalls = new Map<string, Map<string, number>>();

  const evidenceOf = (l: Launches, e?: TelemetryEvent): Record<string, unknown> => ({
    ...(e ? apiEvidence(e) : {}),
    region: l.region,
    instancesInWindow: l.counts.reduce((a, b) => a + b, 0),
    largeInWindow: l.large.reduce((a, b) => a + b, 0),
    instancesTotal: l.total,
    types: [...l.types],
    firstLaunch: new Date(l.first).toISOString(),
    lastLaunch: new Date(l.last).toISOString(),
  });

  return {
    meta,
    kinds: ['cloud-api'],
    detect(e) {
      const account = str(e, 'cloud.account') ?? '';
      const region = str(e, 'cloud.region') ?? '';
      let rc = regionCalls.get(account);
      if (!rc) {
        rc = new Map();
        regionCalls.set(account, rc);
      }
      if (rc.size < 64 || rc.has(region)) rc.set(region, (rc.get(region) ?? 0) + 1);
      if (op(e) !== 'RunInstances' || !succeeded(e)) return null;
      const entity = principalEntity(e);
      const key = `${account}\u0000${entity.name}\u0000${region}`;
      let l = launches.get(key);
      if (!l) {
        if (launches.size >= MAX_KEYS) return null;
        l = {
          hostId: e.hostId,
          entityName: entity.name ?? '',
          region,
          times: [],
          counts: [],
          types: new Set(),
          large: [],
          first: e.time,
          last: e.time,
          total: 0,
          reported: false,
        };
        launches.set(key, l);
      }
      const n = num(e, 'api.count') ?? 1;
      const type = str(e, 'api.instanceType') ?? '';
      while (l.times.length && e.time - (l.times[0] as number) > c.windowMs) {
        l.times.shift();
        l.counts.shift();
        l.large.shift();
      }
      l.times.push(e.time);
      l.counts.push(n);
      l.large.push(isLargeType(type) ? n : 0);
      if (type && l.types.size < 32) l.types.add(type);
      l.last = e.time;
      l.total += n;
      if (l.reported) return null;
      const inWindow = l.counts.reduce((a, b) => a + b, 0);
      const large = l.large.reduce((a, b) => a + b, 0);
      const unusual = usual.size > 0 && !usual.has(region);
      if (inWindow < c.burstInstances && large < c.largeInstances && !unusual) return null;
      l.reported = true;
      return {
        entity: { ...entity, path: region },
        evidence: { ...evidenceOf(l, e), unusualRegion: unusual },
      };
    },
    flush(): HostHit[] {
      const out: HostHit[] = [];
      for (const [key, l] of launches) {
        const account = key.slice(0, key.indexOf('\u0000'));
        const rc = regionCalls.get(account) ?? new Map<string, number>();
        const total = [...rc.values()].reduce((a, b) => a + b, 0);
        const share = (rc.get(l.region) ?? 0) / Math.max(1, total);
        const unusual = usual.size > 0 ? !usual.has(l.region) : total >= 20 && share < 0.1;
        if (!l.reported && !unusual) continue;
        out.push({
          entity: { kind: 'account', name: l.entityName, path: l.region },
          evidence: {
            ...evidenceOf(l),
            unusualRegion: unusual,
            regionShareOfCalls: Number(share.toFixed(3)),
          },
          hostId: l.hostId,
          time: l.first,
        });
      }
      return out;
    },
  };
}
