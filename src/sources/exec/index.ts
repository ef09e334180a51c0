import { resolve } from 'node:path';
import { z } from 'zod';
import { MinewardenError } from '../../model/errors.js';
import { openNetlinkSource } from './netlink.js';
import { openPollSource } from './poll.js';
import {
  type ExecSource,
  type ExecSourceOptions,
  ExecSourceUnavailable,
  type ResolvedExecOptions,
} from './types.js';

export { DEFAULT_ADDON_PATH } from './netlink.js';
export type { ExecSource, ExecSourceMode, ExecSourceOptions, ExecSourceStatus } from './types.js';

const OptionsSchema = z.object({
  hostId: z.string().min(1),
  procRoot: z.string().min(1).default('/proc'),
  prefer: z.enum(['netlink', 'poll']).default('netlink'),
  pollIntervalMs: z.number().int().min(10).max(60_000).default(250),
  addonPath: z.string().min(1).optional(),
  queueLimit: z.number().int().min(1).max(1_000_000).default(16_384),
  ackTimeoutMs: z.number().int().min(10).max(10_000).default(500),
  handoffMs: z.number().int().min(0).max(10_000).default(2),
});

function resolveOptions(opts: ExecSourceOptions): ResolvedExecOptions {
  const r = OptionsSchema.safeParse(opts);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue?.path.join('.') || undefined;
    throw new MinewardenError('MW_CONFIG_INVALID', `exec source option: ${issue?.message ?? 'invalid'}`, {
      field: field ? `exec.${field}` : 'exec',
    });
  }
  const o = r.data;
  return {
    ...o,
    addonPath: o.addonPath,
    // /proc's sibling etc/passwd: /etc/passwd on the host, <root>/etc/passwd for a host mounted elsewhere.
    passwdPath: resolve(o.procRoot, '..', 'etc', 'passwd'),
  };
}

/**
 * Opens the process exec/exit event source: the kernel's netlink proc connector when it can be used here, else
 * polling procRoot. Which one, and why, is in status() (mode, reason, warning) for `scan --verbose` and the agent.
 */
export function openExecSource(opts: ExecSourceOptions): ExecSource {
  const o = resolveOptions(opts);
  if (o.prefer === 'poll') return openPollSource(o, 'polling was requested (prefer: poll)');
  try {
    return openNetlinkSource(o);
  } catch (err) {
    if (!(err instanceof ExecSourceUnavailable)) throw err;
    return openPollSource(o, err.message, 'MW_W_EXEC_FALLBACK');
  }
}
