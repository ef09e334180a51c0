import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { parseIpv4 } from '../../intel/pools/ip-parse.js';
import { MinewardenError } from '../../model/errors.js';
import type { HostRef } from '../../model/host.js';
import { inputError } from './input.js';

/**
 * The join between cloud records and the host model: an entry names a host id (the one its agent reports, so agent
 * and cloud findings land on the same host) and the instance ids, interface ids and addresses that belong to it.
 */
export const HostMapSchema = z.object({
  hosts: z.array(
    z.strictObject({
      id: z.string().min(1),
      name: z.string().optional(),
      instanceIds: z.array(z.string().min(1)).default([]),
      interfaceIds: z.array(z.string().min(1)).default([]),
      ips: z.array(z.string().min(1)).default([]),
    }),
  ),
});
export type HostMapInput = z.input<typeof HostMapSchema>;

/** What a record says about the machine it is about; the resolver picks the host from it. */
export interface HostHint {
  instanceId?: string | undefined;
  instanceName?: string | undefined;
  interfaceId?: string | undefined;
  /** Addresses of the record that may be the machine's own (local side first). */
  ip?: string | undefined;
  ip2?: string | undefined;
  account?: string | undefined;
}

export class HostResolver {
  private readonly byKey = new Map<string, HostRef>();
  private readonly names = new Map<string, string>();
  private readonly mapped = new Set<string>();
  private readonly addresses = new Map<string, readonly string[]>();

  constructor(input: HostMapInput = { hosts: [] }) {
    for (const h of HostMapSchema.parse(input).hosts) {
      const ref = { id: h.id, name: h.name ?? h.id };
      this.names.set(h.id, ref.name);
      this.mapped.add(h.id);
      for (const i of h.instanceIds) this.addresses.set(i, h.ips);
      for (const k of [...h.instanceIds, ...h.interfaceIds, ...h.ips]) this.byKey.set(k, ref);
    }
  }

  get size(): number {
    return this.names.size;
  }

  /**
   * Host id for a record: a mapped host when the instance, the interface or one of the addresses is listed (in that
   * order, the instance name among the instance ids); else the instance id, the interface id, the instance name, the account, in that order of preference.
   */
  resolve(h: HostHint): string {
    if (this.byKey.size > 0) {
      const hit =
        (h.instanceId && this.byKey.get(h.instanceId)) ||
        (h.instanceName && this.byKey.get(h.instanceName)) ||
        (h.interfaceId && this.byKey.get(h.interfaceId)) ||
        (h.ip && this.byKey.get(h.ip)) ||
        (h.ip2 && this.byKey.get(h.ip2));
      if (hit) return hit.id;
    }
    const id = h.instanceId || h.interfaceId || h.instanceName || (h.account ? `account:${h.account}` : '');
    if (id && h.instanceName && id !== h.instanceName && !this.names.has(id))
      this.names.set(id, h.instanceName);
    return id || 'cloud';
  }

  /**
   * `resolve` in two steps, for readers that cache the first per distinct set of ids: the host the ids name on the
   * map (or undefined), and the id to use when neither they nor the addresses are mapped.
   */
  byIds(h: Pick<HostHint, 'instanceId' | 'interfaceId' | 'account'>): {
    hit: string | undefined;
    fallback: string;
  } {
    const hit =
      this.byKey.size > 0
        ? (h.instanceId && this.byKey.get(h.instanceId)) ||
          (h.interfaceId && this.byKey.get(h.interfaceId)) ||
          undefined
        : undefined;
    const id = h.instanceId || h.interfaceId || (h.account ? `account:${h.account}` : '');
    return { hit: hit ? hit.id : undefined, fallback: id || 'cloud' };
  }

  /** The mapped host of an address, when the map lists addresses. */
  byAddress(ip: string): string | undefined {
    return this.byKey.size > 0 ? this.byKey.get(ip)?.id : undefined;
  }

  /** Mapped IPv4 addresses by their address key (FlowRecord); the map's own text forms stay the keys of `byAddress`. */
  ipv4Hosts(): ReadonlyMap<number, string> {
    const out = new Map<number, string>();
    for (const [k, ref] of this.byKey) {
      const v4 = parseIpv4(k);
      if (v4 >= 0 && !out.has(v4 | 0)) out.set(v4 | 0, ref.id);
    }
    return out;
  }

  /** True when the host id came from the map (the join worked). */
  isMapped(id: string): boolean {
    return this.mapped.has(id);
  }

  /** The addresses the map lists for the host of an instance (empty when the instance is not mapped). */
  addressesOf(instanceId: string): readonly string[] {
    return this.addresses.get(instanceId) ?? [];
  }

  ref(id: string): HostRef {
    return { id, name: this.names.get(id) ?? id };
  }
}

/** Reads a host map file (JSON, `{ "hosts": [...] }`), failing with the file and the field at fault. */
export async function loadHostMap(file: string): Promise<HostResolver> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw inputError(file, err);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new MinewardenError('MW_INPUT_PARSE', `not valid JSON (${(err as Error).message})`, { file });
  }
  const parsed = HostMapSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MinewardenError('MW_INPUT_SCHEMA', issue?.message ?? 'invalid', {
      file,
      field: issue?.path.join('.') ?? '',
    });
  }
  return new HostResolver(parsed.data);
}
