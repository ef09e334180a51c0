import type { Journal, JournalEntry } from '../journal/journal.js';
import { asResolvedDomain, type ResolveSettings, resolveNames } from '../resolve-pools.js';
import type { ActionContext } from '../types.js';
import { blockAction, domainComments, firewallFor } from './block.js';

export interface RefreshOutcome {
  entry: JournalEntry;
  names: string[];
  /** New addresses the names resolve to now (added with --apply, else would be). */
  added: string[];
  /** New answers that were in the set already (another action owns them; undo leaves them). */
  alreadyListed: string[];
  /** Addresses this block took from the names that they no longer resolve to: kept until it expires or is undone. */
  stale: string[];
  /** Answers not taken, and names that did not resolve, with why. */
  skipped: string[];
  ok: boolean;
  detail: string;
}

/**
 * Re-resolves the pool names of every active block (applied, not expired) and adds the addresses they resolve to
 * now, with the block's remaining time. The additions go into the same journal entry's undo data, so undoing the
 * block removes them too. Old addresses stay: round-robin pools answer with a few of many addresses at a time.
 */
export async function refreshBlocks(
  journal: Journal,
  base: Pick<ActionContext, 'procDir' | 'safety' | 'now'>,
  s: ResolveSettings,
  opts: { apply: boolean },
): Promise<RefreshOutcome[]> {
  const out: RefreshOutcome[] = [];
  const now = base.now();
  for (const entry of await journal.list({ kind: 'block', status: 'applied' })) {
    const params = blockAction.parseParams(entry.params);
    const undo = blockAction.parseUndo(entry.undo);
    const names = (params.domains ?? []).map((d) => d.name);
    if (names.length === 0 || (undo.expiresAt !== null && undo.expiresAt <= now)) continue;
    const results = await resolveNames(names, s, base.now);
    const known = new Set(
      [...params.addrs, ...undo.added, ...undo.alreadyListed].map((a) => a.toLowerCase()),
    );
    const before = new Set(
      [...(params.domains ?? []), ...(undo.refreshes ?? []).flatMap((r) => r.domains)].flatMap(
        (d) => d.addrs,
      ),
    );
    const skipped: string[] = [];
    const fresh: string[] = [];
    for (const r of results) {
      if (r.error) skipped.push(`${r.name}: ${r.error}`);
      for (const x of r.skipped) skipped.push(`${r.name} ${x.addr}: ${x.why}`);
      for (const a of r.addrs) {
        const why = base.safety.checkAddress(a);
        if (why) skipped.push(`${r.name} ${a}: ${why}`);
        else if (!known.has(a) && !fresh.includes(a)) fresh.push(a);
      }
    }
    const current = new Set(results.flatMap((r) => r.addrs));
    const stale = [...before].filter((a) => !current.has(a) && results.every((r) => !r.error));
    const outcome = { entry, names, added: fresh, alreadyListed: [] as string[], stale, skipped, ok: true };
    const summary = (verb: string): string =>
      `${names.join(', ')}: ${fresh.length ? `${verb} ${fresh.join(', ')}` : 'no new address'}` +
      `${stale.length ? `; no longer resolved (kept): ${stale.join(', ')}` : ''}` +
      `${skipped.length ? `; skipped: ${skipped.join('; ')}` : ''}`;
    if (!opts.apply || fresh.length === 0) {
      out.push({ ...outcome, detail: summary(opts.apply ? 'added' : 'would add') });
      continue;
    }
    const ctx: ActionContext = {
      ...base,
      root: entry.scope.root,
      stateDir: entry.scope.stateDir,
      ...(entry.scope.netns ? { netns: entry.scope.netns } : {}),
      ...(entry.scope.firewallBackend ? { firewallBackend: entry.scope.firewallBackend } : {}),
    };
    try {
      const fw = firewallFor(ctx, undo.backend, undo.netns);
      await fw.ensure();
      const added: string[] = [];
      for (const a of fresh) ((await fw.has(params.set, a)) ? outcome.alreadyListed : added).push(a);
      const domains = results.filter((r) => !r.error).map(asResolvedDomain);
      const left = undo.expiresAt === null ? null : Math.max(1, Math.ceil((undo.expiresAt - now) / 1000));
      if (added.length > 0) await fw.add(params.set, added, left, domainComments(domains));
      const at = new Date(now).toISOString();
      const next = {
        ...undo,
        added: [...undo.added, ...added],
        alreadyListed: [...undo.alreadyListed, ...outcome.alreadyListed],
        refreshes: [...(undo.refreshes ?? []), { at, domains, added, alreadyListed: outcome.alreadyListed }],
      };
      const detail = `refreshed at ${at}: ${summary('added')}`;
      const updated = await journal.update(entry, 'applied', { undo: next, detail });
      out.push({ ...outcome, entry: updated, added, detail });
    } catch (err) {
      out.push({ ...outcome, added: [], ok: false, detail: `refresh failed: ${(err as Error).message}` });
    }
  }
  return out;
}
