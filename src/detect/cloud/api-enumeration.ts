import type { RuleMeta } from '../detector.js';
import { str } from '../detectors/fields.js';
import { apiEvidence, op, principalEntity } from './api-fields.js';
import type { CloudDetector } from './engine.js';

const meta: RuleMeta = {
  id: 'cloud.api.quota-enumeration',
  title: 'Service quotas and regions enumerated (sizing up the account for mining)',
  severity: 'medium',
  confidence: 0.5,
  category: 'discovery',
  techniques: ['T1580', 'T1526'],
  recommendation:
    'Ask the owner of the identity; mining crews check EC2 quotas across regions before a launch burst. Watch for RunInstances by the same principal.',
  falsePositives: 'Capacity planning tools and quota dashboards.',
};

const QUOTA_CALLS: ReadonlySet<string> = new Set([
  'GetServiceQuota',
  'ListServiceQuotas',
  'GetAWSDefaultServiceQuota',
  'ListAWSDefaultServiceQuotas',
]);

interface Window {
  start: number;
  quotaCalls: number;
  quotaRegions: Set<string>;
  describeRegions: number;
  reported: boolean;
}

const MAX_KEYS = 10_000;

/**
 * Per principal in tumbling windows: quota reads together with DescribeRegions, or quota reads in several regions.
 * DescribeRegions alone is what consoles and SDKs do all day and is left out.
 */
export function apiQuotaEnumeration(windowMs = 60 * 60_000, minQuotaRegions = 3): CloudDetector {
  const windows = new Map<string, Window>();
  return {
    meta,
    kinds: ['cloud-api'],
    detect(e) {
      const name = op(e);
      const quota = QUOTA_CALLS.has(name);
      if (!quota && name !== 'DescribeRegions') return null;
      const entity = principalEntity(e);
      const key = `${str(e, 'cloud.account') ?? ''}\u0000${entity.name}`;
      let w = windows.get(key);
      if (!w || e.time - w.start > windowMs || e.time < w.start) {
        if (!w && windows.size >= MAX_KEYS) return null;
        w = { start: e.time, quotaCalls: 0, quotaRegions: new Set(), describeRegions: 0, reported: false };
        windows.set(key, w);
      }
      if (quota) {
        w.quotaCalls++;
        if (w.quotaRegions.size < 64) w.quotaRegions.add(str(e, 'cloud.region') ?? '');
      } else w.describeRegions++;
      if (w.reported) return null;
      if (!(w.quotaCalls > 0 && (w.describeRegions > 0 || w.quotaRegions.size >= minQuotaRegions)))
        return null;
      w.reported = true;
      return {
        entity,
        evidence: {
          ...apiEvidence(e),
          windowStart: new Date(w.start).toISOString(),
          quotaCalls: w.quotaCalls,
          quotaRegions: [...w.quotaRegions],
          describeRegionsCalls: w.describeRegions,
        },
      };
    },
  };
}
