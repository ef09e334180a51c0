import type { PoolIntel } from '../../intel/pools/index.js';
import type { Warning } from '../../model/errors.js';
import type { Finding } from '../../model/finding.js';
import {
  type CloudReadOptions,
  type CloudReadStats,
  type CloudSource,
  HostResolver,
  readCloudSource,
  skippedTotal,
} from '../../sources/cloud/index.js';
import { CloudDetection } from './engine.js';
import { type CloudDetectionConfig, cloudDetectors } from './index.js';

export interface CloudInputs {
  vpcFlow?: readonly string[];
  resolver?: readonly string[];
  cloudtrail?: readonly string[];
  gcp?: readonly string[];
  azureNsg?: readonly string[];
}

export interface CloudAnalysis {
  findings: Finding[];
  files: CloudReadStats[];
  warnings: Warning[];
  events: number;
}

export interface CloudAnalyzeOptions extends Omit<CloudDetectionConfig, 'intel' | 'instanceAddresses'> {
  intel: PoolIntel;
  hosts?: HostResolver;
  /** Addresses per instance id, from the host map: tells an instance's own API calls from stolen-credential ones. */
  instanceAddresses?: (instanceId: string) => readonly string[];
  read?: Omit<CloudReadOptions, 'hosts'>;
}

/** DNS first: answers for pool domains teach the flow rules which addresses are pools. */
export const CLOUD_INPUT_ORDER: ReadonlyArray<[keyof CloudInputs, CloudSource]> = [
  ['resolver', 'resolver'],
  ['gcp', 'gcp'],
  ['vpcFlow', 'vpc-flow'],
  ['azureNsg', 'azure-nsg'],
  ['cloudtrail', 'cloudtrail'],
];

/** One warning per file that skipped records or was cut off, with the counts and the first offending lines. */
export function cloudWarnings(files: readonly CloudReadStats[]): Warning[] {
  const out: Warning[] = [];
  for (const s of files) {
    const k = s.skipped;
    if (skippedTotal(s) === 0 && !s.cutOff) continue;
    const parts = [
      k.malformed && `${k.malformed} malformed`,
      k.tooLarge && `${k.tooLarge} over the size limit`,
      k.unknownVersion && `${k.unknownVersion} of an unknown version`,
    ].filter(Boolean);
    const message = [
      parts.length ? `${parts.join(', ')} record(s) skipped of ${s.records}` : '',
      s.cutOff ?? '',
      s.examples.length ? `first: ${s.examples.join('; ')}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    out.push({ code: 'MW_W_CLOUD_SKIPPED', message, path: s.file });
  }
  return out;
}

/** Reads the given cloud logs (files or directories) and runs the cloud detectors over them. */
export async function analyzeCloudLogs(inputs: CloudInputs, o: CloudAnalyzeOptions): Promise<CloudAnalysis> {
  const hosts = o.hosts ?? new HostResolver();
  const detection = new CloudDetection(cloudDetectors(o), (id) => hosts.ref(id));
  const files: CloudReadStats[] = [];
  const onEvent = detection.process.bind(detection);
  const onFlow = detection.processFlow.bind(detection);
  for (const [key, source] of CLOUD_INPUT_ORDER)
    for (const path of inputs[key] ?? [])
      files.push(...(await readCloudSource(source, path, onEvent, { ...o.read, hosts, onFlow })));
  return {
    findings: detection.results(),
    files,
    warnings: cloudWarnings(files),
    events: detection.processed,
  };
}
