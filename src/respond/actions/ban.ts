import { z } from 'zod';
import { type Action, zodParser } from '../types.js';
import { applyBlock, type BlockUndo, BlockUndoSchema, undoBlock, verifyBlock } from './block.js';

export const BanParamsSchema = z.object({
  addr: z.string().min(2),
  timeoutSec: z.number().int().positive(),
  /** 1 for a first ban; repeat offenders get longer bans (see banDuration). */
  offence: z.number().int().positive(),
});
export type BanParams = z.infer<typeof BanParamsSchema>;

export interface BanSchedule {
  baseSec: number;
  factor: number;
  maxSec: number;
}

export const DEFAULT_BAN: BanSchedule = { baseSec: 600, factor: 2, maxSec: 7 * 24 * 3600 };

/** fail2ban's bantime.increment idea: base * factor^(offence-1), capped. */
export function banDuration(offence: number, s: BanSchedule = DEFAULT_BAN): number {
  const raw = s.baseSec * s.factor ** Math.max(0, offence - 1);
  return Math.min(s.maxSec, Math.round(raw));
}

const asBlock = (p: BanParams) => ({ set: 'attacker' as const, addrs: [p.addr], timeoutSec: p.timeoutSec });

/** Bans a brute-force source with expiry; the firewall's element timeout does the unban, undo does it early. */
export const banAction: Action<BanParams, BlockUndo> = {
  kind: 'ban',
  parseParams: zodParser(BanParamsSchema),
  parseUndo: zodParser(BlockUndoSchema),
  apply: (p, ctx) => applyBlock(asBlock(p), ctx, 'ban'),
  verify: (p, u, ctx) => verifyBlock(asBlock(p), u, ctx),
  undo: (p, u, ctx) => undoBlock(asBlock(p), u, ctx),
};
