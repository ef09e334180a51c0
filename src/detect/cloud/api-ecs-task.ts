import type { RuleMeta } from '../detector.js';
import { num, str, strs } from '../detectors/fields.js';
import { apiEvidence, op, succeeded } from './api-fields.js';
import type { CloudDetector } from './engine.js';

const meta: RuleMeta = {
  id: 'cloud.api.ecs-miner-task',
  title: 'High-CPU task definition with a public image registered and run',
  severity: 'high',
  confidence: 0.65,
  category: 'execution',
  techniques: ['T1610', 'T1496'],
  recommendation:
    'Stop the tasks/service, deregister the task definition, and look at the image (a public miner image is the usual payload); then disable the credentials that registered it.',
  falsePositives:
    'Compute-heavy jobs built on public base images (pin them to a private registry to stand apart).',
};

const PUBLIC_REGISTRIES =
  /^(docker\.io|registry-1\.docker\.io|index\.docker\.io|public\.ecr\.aws|ghcr\.io|quay\.io)\//;

/** Docker Hub when the first path part is not a host (no dot, no port, not localhost); else the known public hosts. */
export function isPublicImage(image: string): boolean {
  const first = image.split('/')[0] ?? '';
  if (!image.includes('/') || (!first.includes('.') && !first.includes(':') && first !== 'localhost'))
    return true;
  return PUBLIC_REGISTRIES.test(image);
}

/** `arn:aws:ecs:r:a:task-definition/family:3`, `family:3` or `family` -> family. */
function familyOf(ref: string): string {
  return (ref.split('/').at(-1) ?? ref).split(':')[0] ?? ref;
}

interface Registered {
  time: number;
  cpu: number;
  images: string[];
}

const MAX_FAMILIES = 10_000;

/**
 * RegisterTaskDefinition asking for at least `minCpu` CPU units with an image from a public registry, followed
 * within `withinMs` by RunTask or CreateService of that family: how stolen keys run miners on Fargate/ECS.
 */
export function apiEcsMinerTask(minCpu = 4096, withinMs = 24 * 60 * 60_000): CloudDetector {
  const families = new Map<string, Registered>();
  return {
    meta,
    kinds: ['cloud-api'],
    detect(e) {
      const name = op(e);
      if (!succeeded(e)) return null;
      const account = str(e, 'cloud.account') ?? '';
      if (name === 'RegisterTaskDefinition') {
        const cpu = num(e, 'api.cpu') ?? 0;
        const images = strs(e, 'api.images').filter(isPublicImage);
        const family = str(e, 'api.target');
        if (family && cpu >= minCpu && images.length > 0 && families.size < MAX_FAMILIES)
          families.set(`${account}\u0000${family}`, { time: e.time, cpu, images });
        return null;
      }
      if (name !== 'RunTask' && name !== 'CreateService' && name !== 'UpdateService') return null;
      const family = familyOf(str(e, 'api.target') ?? '');
      const reg = families.get(`${account}\u0000${family}`);
      if (!reg || e.time < reg.time || e.time - reg.time > withinMs) return null;
      return {
        entity: { kind: 'cloud-resource', name: `task-definition/${family}` },
        evidence: {
          ...apiEvidence(e),
          registered: new Date(reg.time).toISOString(),
          cpu: reg.cpu,
          publicImages: reg.images,
        },
      };
    },
  };
}
