import type { Finding } from '../model/finding.js';
import type { Host, HostRef } from '../model/host.js';
import type { Store } from '../store/store.js';
import type { IngestBatch } from '../store/types.js';

/**
 * The host a cloud finding is stored under: its stored record when it has one (an agent's host keeps the name and
 * info its agent reported), else the reference the cloud detectors gave (an instance no agent runs on).
 */
export async function storedHostOf(store: Store, ref: HostRef): Promise<Host> {
  const h = await store.fleet.getHost(ref.id);
  return h ? ({ ...h.info, id: h.id, name: h.name } as Host) : { id: ref.id, name: ref.name };
}

/**
 * Findings grouped by the host they are about, in the order first seen: cloud logs name many instances, and each
 * is stored (and listed by /api/hosts) as a host of its own.
 */
export function byHost(findings: readonly Finding[]): Map<string, Finding[]> {
  const out = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = out.get(f.host.id);
    if (list) list.push(f);
    else out.set(f.host.id, [f]);
  }
  return out;
}

/**
 * A cloud collector's batch as the batches the store takes: its own host's part (everything but the findings about
 * other hosts), then one batch per other host the findings name, ids derived from the original so a resend stores
 * the same records.
 */
export async function splitForeignFindings(
  batch: IngestBatch,
  ownHostId: string,
  store: Store,
): Promise<IngestBatch[]> {
  const foreign = byHost(batch.findings.filter((f) => f.host.id !== ownHostId));
  if (foreign.size === 0) return [batch];
  const own: IngestBatch = { ...batch, findings: batch.findings.filter((f) => f.host.id === ownHostId) };
  const out = [own];
  for (const [id, findings] of foreign)
    out.push({
      batchId: `${batch.batchId}:${id}`.slice(0, 200),
      host: await storedHostOf(store, (findings[0] as Finding).host),
      findings,
      incidents: [],
      heartbeats: [],
      inventory: [],
    });
  return out;
}
