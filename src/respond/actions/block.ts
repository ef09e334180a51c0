import { z } from 'zod';
import { pickFirewall } from '../firewall/index.js';
import type { Firewall } from '../firewall/types.js';
import { type Action, type ActionContext, RefusedError, zodParser } from '../types.js';

/** Addresses a pool name resolved to, when and from which servers: plan, journal and element comments say so. */
export const ResolvedDomainSchema = z.object({
  name: z.string().regex(/^[a-z0-9_.-]{1,253}$/),
  addrs: z.array(z.string()),
  resolvedAt: z.string(),
  servers: z.array(z.string()),
});
export type ResolvedDomain = z.infer<typeof ResolvedDomainSchema>;

export const BlockParamsSchema = z.object({
  set: z.enum(['pool', 'attacker']),
  addrs: z.array(z.string().min(2)).min(1),
  /** Null: until undone. */
  timeoutSec: z.number().int().positive().nullable(),
  /** Present when the addresses came from resolving pool names (`respond --refresh-blocks` re-resolves them). */
  domains: z.array(ResolvedDomainSchema).optional(),
});
export type BlockParams = z.infer<typeof BlockParamsSchema>;

export const BlockUndoSchema = z.object({
  backend: z.enum(['nft', 'iptables']),
  netns: z.string().optional(),
  /** Only what this action added: an address that was already listed stays listed on undo. */
  added: z.array(z.string()),
  alreadyListed: z.array(z.string()),
  expiresAt: z.number().nullable(),
  /** Each re-resolution of the pool names; what it added is also in `added`, so undo removes it too. */
  refreshes: z
    .array(
      z.object({
        at: z.string(),
        domains: z.array(ResolvedDomainSchema),
        added: z.array(z.string()),
        alreadyListed: z.array(z.string()),
      }),
    )
    .optional(),
});
export type BlockUndo = z.infer<typeof BlockUndoSchema>;

export function firewallFor(ctx: ActionContext, backend?: 'nft' | 'iptables', netns?: string): Firewall {
  const fw = pickFirewall(netns ?? ctx.netns, backend ?? ctx.firewallBackend);
  if (!fw) throw new RefusedError('no firewall tool on this host: install nftables (or iptables and ipset)');
  return fw;
}

/** `minewarden pool.example` on each element a name resolved to, so `nft list ruleset` says where it came from. */
export function domainComments(domains: readonly ResolvedDomain[] | undefined): Map<string, string> {
  const names = new Map<string, string[]>();
  for (const d of domains ?? []) for (const a of d.addrs) names.set(a, [...(names.get(a) ?? []), d.name]);
  return new Map([...names].map(([a, ns]) => [a, `minewarden ${ns.join(',')}`]));
}

/** Adds addresses to one of our named sets; the set's rules (in our own table) do the blocking. */
export async function applyBlock(
  params: BlockParams,
  ctx: ActionContext,
  rateKind: 'block' | 'ban',
): Promise<BlockUndo> {
  const rate = ctx.safety.checkRate(rateKind);
  if (rate) throw new RefusedError(rate);
  for (const a of params.addrs) {
    const why = ctx.safety.checkAddress(a);
    if (why) throw new RefusedError(why);
  }
  const fw = firewallFor(ctx);
  await fw.ensure();
  const added: string[] = [];
  const alreadyListed: string[] = [];
  for (const a of params.addrs) ((await fw.has(params.set, a)) ? alreadyListed : added).push(a);
  if (added.length > 0) await fw.add(params.set, added, params.timeoutSec, domainComments(params.domains));
  return {
    backend: fw.backend,
    ...(ctx.netns ? { netns: ctx.netns } : {}),
    added,
    alreadyListed,
    expiresAt: params.timeoutSec ? ctx.now() + params.timeoutSec * 1000 : null,
  };
}

export async function verifyBlock(params: BlockParams, u: BlockUndo, ctx: ActionContext) {
  const fw = firewallFor(ctx, u.backend, u.netns);
  const missing: string[] = [];
  for (const a of params.addrs) if (!(await fw.has(params.set, a))) missing.push(a);
  return missing.length === 0
    ? { ok: true, detail: `${params.addrs.length} address(es) in ${params.set} set (${u.backend})` }
    : { ok: false, detail: `not in the ${params.set} set: ${missing.join(', ')}` };
}

export async function undoBlock(params: BlockParams, u: BlockUndo, ctx: ActionContext): Promise<void> {
  await firewallFor(ctx, u.backend, u.netns).remove(params.set, u.added);
}

export const blockAction: Action<BlockParams, BlockUndo> = {
  kind: 'block',
  parseParams: zodParser(BlockParamsSchema),
  parseUndo: zodParser(BlockUndoSchema),
  apply: (p, ctx) => applyBlock(p, ctx, 'block'),
  verify: verifyBlock,
  undo: undoBlock,
};
