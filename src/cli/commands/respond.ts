import { type Command, Option } from 'commander';
import { loadBuiltinPoolIntel } from '../../intel/pools/index.js';
import { MinewardenError } from '../../model/errors.js';
import { renderTable } from '../../report/table.js';
import { type RefreshOutcome, refreshBlocks } from '../../respond/actions/block-refresh.js';
import { ACTION_STATUSES, type JournalEntry } from '../../respond/journal/journal.js';
import { buildPlan } from '../../respond/planner.js';
import { loadPolicy } from '../../respond/policy.js';
import { renderEntries } from '../../respond/render.js';
import { parseResolverAddr, resolvePlanDomains, resolveSettings } from '../../respond/resolve-pools.js';
import { runPlan } from '../../respond/runner.js';
import { loadEvidence, openSession, selectFindings } from '../../respond/session.js';
import { type CommonOptions, parsePositiveInt, withCommonOptions } from '../options.js';
import { type ResponseStoreOptions, withResponseStore } from './respond-options.js';

interface RespondCliOptions extends CommonOptions, ResponseStoreOptions {
  incident?: string;
  finding?: string;
  pid?: number[];
  list: boolean;
  run?: string;
  status?: string;
  apply: boolean;
  dryRun: boolean;
  confirm: boolean;
  policy?: string;
  from?: string;
  root: string;
  netns?: string;
  firewall?: 'nft' | 'iptables';
  simulate?: string[];
  resolver?: string[];
  refreshBlocks: boolean;
}

function printRefresh(outcomes: readonly RefreshOutcome[], apply: boolean, format: string): void {
  if (format !== 'table') {
    const rows = outcomes.map(({ entry, ...o }) => ({ id: entry.id, ...o }));
    if (format === 'ndjson') for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
    else process.stdout.write(`${JSON.stringify({ apply, refreshed: rows }, null, 2)}\n`);
    return;
  }
  const title = apply ? 'Block refresh: applied' : 'Block refresh (dry run: add --apply to update the sets)';
  if (outcomes.length === 0) process.stdout.write(`${title}\n\nNo active block names a pool domain.\n`);
  else {
    const rows = outcomes.map((o) => [o.entry.id, o.names.join(', '), o.ok ? 'ok' : 'failed', o.detail]);
    process.stdout.write(`${title}\n\n${renderTable(['ID', 'POOL DOMAINS', 'RESULT', 'DETAIL'], rows, 90)}`);
  }
}

function print(entries: readonly JournalEntry[], title: string, format: string, extra: object = {}): void {
  if (format === 'table') process.stdout.write(renderEntries(entries, title));
  else if (format === 'ndjson') for (const e of entries) process.stdout.write(`${JSON.stringify(e)}\n`);
  else process.stdout.write(`${JSON.stringify({ ...extra, actions: entries }, null, 2)}\n`);
}

export function registerRespond(program: Command): void {
  withResponseStore(
    withCommonOptions(
      program
        .command('respond')
        .description(
          'plan (default) or --apply a response: kill, quarantine, remove persistence, block pools',
        ),
    ),
  )
    .option('--incident <id>', 'respond to an incident')
    .option('--finding <id>', 'respond to a finding (and the other findings on its process)')
    .addOption(
      new Option('--pid <pid>', 'respond to a process (repeatable)').argParser(
        (v: string, prev: number[] = []) => [...prev, parsePositiveInt('--pid')(v)],
      ),
    )
    .option('--list', 'list the journal instead of planning', false)
    .option('--run <id>', 'with --list: one run only')
    .addOption(new Option('--status <status>', 'with --list: one status only').choices(ACTION_STATUSES))
    .option('--apply', 'execute the plan (default is a dry run)', false)
    .option('--dry-run', 'print the plan without acting (the default)', false)
    .option('--confirm', 'also run actions that need confirmation (removing SSH keys)', false)
    .option('--policy <file>', 'response policy YAML (default: built-in)')
    .option('--from <file>', 'findings from a saved `scan --format json` instead of a fresh scan')
    .option('--root <dir>', 'host root for persistence files (cron, systemd, keys, rc files)', '/')
    .option('--netns <name>', 'apply firewall changes inside this network namespace')
    .addOption(
      new Option('--firewall <backend>', 'firewall backend (default: nft, else iptables)').choices([
        'nft',
        'iptables',
      ]),
    )
    .addOption(
      new Option('--simulate <rule>', 'run this policy rule in simulation (repeatable)').argParser(
        (v: string, prev: string[] = []) => [...prev, v],
      ),
    )
    .addOption(
      new Option(
        '--resolver <ip[:port]>',
        "DNS server for pool domains (repeatable; default: policy resolve.servers, else the system's)",
      ).argParser((v: string, prev: string[] = []) => {
        const addr = parseResolverAddr(v);
        if (!addr)
          throw new MinewardenError('MW_USAGE', `not IP, IP:PORT or [IPv6]:PORT: ${v}`, {
            field: '--resolver',
          });
        return [...prev, addr];
      }),
    )
    .option(
      '--refresh-blocks',
      're-resolve the pool domains of active blocks and add their new addresses (with --apply)',
      false,
    )
    .action(async (opts: RespondCliOptions) => {
      const selectors = [opts.incident, opts.finding, opts.pid?.length ? 'pid' : undefined].filter(Boolean);
      if (!opts.list && !opts.refreshBlocks && selectors.length !== 1)
        throw new MinewardenError(
          'MW_USAGE',
          'give exactly one of --incident, --finding, --pid (or --list, --refresh-blocks)',
          {
            field: '--incident/--finding/--pid',
          },
        );
      if (opts.apply && opts.dryRun)
        throw new MinewardenError('MW_USAGE', '--apply and --dry-run contradict each other', {
          field: '--apply',
        });
      const policy = loadPolicy(opts.policy);
      const session = await openSession({
        stateDir: opts.stateDir,
        ...(opts.db ? { db: opts.db } : {}),
        root: opts.root,
        ...(opts.netns ? { netns: opts.netns } : {}),
        ...(opts.firewall ? { firewallBackend: opts.firewall } : {}),
        policy,
      });
      try {
        if (opts.list) {
          const entries = await session.journal.list({
            ...(opts.incident ? { incidentId: opts.incident } : {}),
            ...(opts.run ? { runId: opts.run } : {}),
            ...(opts.status ? { status: opts.status as JournalEntry['status'] } : {}),
          });
          print(entries, `Journal: ${entries.length} action(s)`, opts.format);
          process.exitCode = 0;
          return;
        }
        const resolve = resolveSettings(policy, opts.resolver);
        if (opts.refreshBlocks) {
          const outcomes = await refreshBlocks(session.journal, session.ctx, resolve, { apply: opts.apply });
          printRefresh(outcomes, opts.apply, opts.format);
          process.exitCode = outcomes.every((o) => o.ok) ? 0 : 1;
          return;
        }
        const evidence = await loadEvidence(opts.from);
        const findings = selectFindings(evidence, {
          ...(opts.incident ? { incident: opts.incident } : {}),
          ...(opts.finding ? { finding: opts.finding } : {}),
          ...(opts.pid ? { pids: opts.pid } : {}),
        });
        const bans = await session.journal.list({ kind: 'ban' });
        const planned = buildPlan({
          findings,
          ...(opts.incident ? { incidentId: opts.incident } : {}),
          ...(opts.pid ? { pids: opts.pid } : {}),
          policy,
          procDir: session.ctx.procDir,
          root: opts.root,
          safety: session.ctx.safety,
          priorBans: (addr) =>
            bans.filter((b) => (b.params as { addr?: string }).addr === addr && b.appliedAt).length,
          ...(opts.simulate ? { simulateRules: opts.simulate } : {}),
          poolIntel: loadBuiltinPoolIntel(),
        });
        const plan = await resolvePlanDomains(planned, resolve, { safety: session.ctx.safety });
        const result = await runPlan(plan, session.journal, session.ctx, {
          apply: opts.apply,
          confirm: opts.confirm,
        });
        const title = opts.apply
          ? `Response ${result.runId}: applied`
          : `Plan ${result.runId} (dry run: nothing was touched; add --apply to execute)`;
        print(result.entries, title, opts.format, {
          runId: result.runId,
          apply: opts.apply,
          notes: plan.notes,
          resolution: plan.resolution,
        });
        if (opts.format === 'table' && plan.notes.length > 0)
          process.stdout.write(`\nNotes:\n${plan.notes.map((n) => `  - ${n}`).join('\n')}\n`);
        const bad = result.entries.some((e) => e.status === 'failed' || e.status === 'refused');
        process.exitCode = bad ? 1 : 0;
      } finally {
        await session.close();
      }
    });
}
