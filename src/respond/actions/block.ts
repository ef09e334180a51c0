import { z } from 'zod';
import { pickFirewall } from '../firewall/index.js';
import type { Firewall } from '../firewall/types.js';
import { type Action, type ActionContext, RefusedError, zodParser } from '../types.js';

export const BlockParamsSchema = z.object({
  set: z.enum(['pool', 'attacker']),
  addrs: z.array(z.string().min(2)).min(1),
  /** Null: until undone. */
  timeoutSec: z.number().int().positive().nullable(),
});
export type BlockParams = z.infer<typeof BlockParamsSchema>;

export const BlockUndoSchema = z.object({
  backend: z.enum(['nft', 'iptables']),
  netns: z.string().optional(),
  /** Only what this action added: an address that was already listed stays listed on undo. */
  added: z.array(z.string()),
  alreadyListed: z.array(z.string()),
  expiresAt: z.number().nullable(),
});
export type BlockUndo = z.infer<typeof BlockUndoSchema>;

export function firewallFor(ctx: ActionContext, backend?: 'nft' | 'iptables', netns?: string): Firewall {
  const fw = pickFirewall(netns ?? ctx.netns, backend ?? ctx.firewallBackend);
  if (!fw) throw new RefusedError('no firewall tool on this host: install nftables (or iptables and ipset)');
  return fw;
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
  if (added.length > 0) await fw.add(params.set, added, params.timeoutSec);
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
