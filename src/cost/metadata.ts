import { z } from 'zod';
import type { Provider } from './prices.js';

/** What a cloud metadata service told us about this machine. */
export interface CloudInstance {
  provider: Exclude<Provider, 'custom'>;
  instanceType: string;
  region: string | null;
  /** Which service answered, for the basis text. */
  via: 'aws-imdsv2' | 'gce-metadata' | 'azure-imds';
}

export interface MetadataOptions {
  /** All three services listen on the link-local address; tests point this at a fake server on 127.0.0.1. */
  baseUrl?: string;
  /** Per request. Metadata is never required, so a host off the cloud must not wait long. */
  timeoutMs?: number;
}

export const DEFAULT_METADATA_URL = 'http://169.254.169.254';
const MAX_BODY = 64 * 1024;
const TYPE_RE = /^[A-Za-z0-9_.-]{1,64}$/;
const REGION_RE = /^[a-z0-9-]{1,40}$/;

async function request(
  url: string,
  init: { method?: string; headers: Record<string, string> },
  timeoutMs: number,
): Promise<{ text: string; headers: Headers } | null> {
  try {
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers: init.headers,
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) return null;
    const len = Number(res.headers.get('content-length') ?? '0');
    if (len > MAX_BODY) return null;
    const text = await res.text();
    return text.length > MAX_BODY ? null : { text: text.trim(), headers: res.headers };
  } catch {
    return null;
  }
}

async function aws(base: string, t: number): Promise<CloudInstance> {
  // IMDSv2: a session token first (PUT), then reads carrying it; IMDSv1-only hosts are not asked.
  const token = await request(
    `${base}/latest/api/token`,
    { method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': '60' } },
    t,
  );
  if (!token || !/^[A-Za-z0-9_=+/-]{1,512}$/.test(token.text)) throw new Error('no token');
  const headers = { 'X-aws-ec2-metadata-token': token.text };
  const [type, region] = await Promise.all([
    request(`${base}/latest/meta-data/instance-type`, { headers }, t),
    request(`${base}/latest/meta-data/placement/region`, { headers }, t),
  ]);
  if (!type || !TYPE_RE.test(type.text)) throw new Error('no instance type');
  return {
    provider: 'aws',
    instanceType: type.text,
    region: region && REGION_RE.test(region.text) ? region.text : null,
    via: 'aws-imdsv2',
  };
}

async function gce(base: string, t: number): Promise<CloudInstance> {
  const headers = { 'Metadata-Flavor': 'Google' };
  const [type, zone] = await Promise.all([
    request(`${base}/computeMetadata/v1/instance/machine-type`, { headers }, t),
    request(`${base}/computeMetadata/v1/instance/zone`, { headers }, t),
  ]);
  // A real GCE server echoes the flavor header; anything else at that address is not GCE.
  if (type?.headers.get('metadata-flavor') !== 'Google') throw new Error('not gce');
  const name = type.text.split('/').pop() ?? '';
  if (!TYPE_RE.test(name)) throw new Error('no machine type');
  const zoneName = zone?.text.split('/').pop() ?? '';
  const region = /^([a-z]+-[a-z]+\d+)-[a-z]$/.exec(zoneName)?.[1] ?? null;
  return { provider: 'gcp', instanceType: name, region, via: 'gce-metadata' };
}

const AzureCompute = z.object({ vmSize: z.string().regex(TYPE_RE), location: z.string().optional() });

async function azure(base: string, t: number): Promise<CloudInstance> {
  const r = await request(
    `${base}/metadata/instance/compute?api-version=2021-02-01`,
    { headers: { Metadata: 'true' } },
    t,
  );
  if (!r) throw new Error('no answer');
  let body: unknown;
  try {
    body = JSON.parse(r.text);
  } catch {
    throw new Error('not json');
  }
  const parsed = AzureCompute.safeParse(body);
  if (!parsed.success) throw new Error('no vmSize');
  const loc = parsed.data.location;
  return {
    provider: 'azure',
    instanceType: parsed.data.vmSize,
    region: loc && REGION_RE.test(loc) ? loc : null,
    via: 'azure-imds',
  };
}

/**
 * Asks the three metadata services at once and takes the first good answer; null when none answers within the
 * timeout. Never throws: prices fall back to config or the reference price.
 */
export async function lookupCloudInstance(opts: MetadataOptions = {}): Promise<CloudInstance | null> {
  const base = (opts.baseUrl ?? DEFAULT_METADATA_URL).replace(/\/+$/, '');
  const t = opts.timeoutMs ?? 300;
  try {
    return await Promise.any([aws(base, t), gce(base, t), azure(base, t)]);
  } catch {
    return null;
  }
}
