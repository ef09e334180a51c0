import { type Command, Option } from 'commander';
import { MinewardenError } from '../../model/errors.js';
import { ALL_CHECKS } from '../../posture/checks/index.js';
import { pathsDot, pathsText } from '../../posture/paths/render.js';
import { runPosture } from '../../posture/posture.js';
import { postureTable } from '../../posture/table.js';
import { renderFindingsReport } from '../../report/findings.js';
import { exitCodeFor } from '../exit.js';
import { type CommonOptions, withCommonOptions } from '../options.js';
import { VERSION } from '../version.js';

interface PostureCliOptions extends CommonOptions {
  host: boolean;
  root?: string;
  probe: boolean;
  aws: string[];
  terraform: string[];
  k8s: string[];
  compose: string[];
  dockerfile: string[];
  suppressions?: string;
  state?: string;
  db?: string;
  vulndb?: string;
  vulns: boolean;
  paths?: 'text' | 'json' | 'dot';
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function registerPosture(program: Command): void {
  withCommonOptions(
    program
      .command('posture')
      .description(
        'attack surface and hardening: this host, AWS exports, Terraform, Kubernetes, compose, Dockerfiles',
      ),
    ['table', 'json', 'sarif'],
  )
    .option('--host', 'check this host: listeners, sshd, docker, redis, cron/systemd paths', false)
    .option('--root <dir>', 'check a host image mounted at DIR (implies --host, no live probes)')
    .option('--no-probe', 'do not probe our own listeners on loopback')
    .option('--aws <dir>', 'DescribeSecurityGroups/DescribeInstances JSON (file or directory)', collect, [])
    .option('--terraform <path>', '.tf files or `terraform show -json` plan (file or directory)', collect, [])
    .option('--k8s <path>', 'Kubernetes manifests (file or directory)', collect, [])
    .option('--compose <file>', 'docker-compose file(s)', collect, [])
    .option('--dockerfile <file>', 'Dockerfile(s)', collect, [])
    .option('--suppressions <file>', 'YAML: suppressions: [{rule, resource, reason, expires}]')
    .addOption(new Option('--state <file>', 'listener state between runs (open-port monitoring)'))
    .addOption(
      new Option(
        '--db <url>',
        'keep the listener state in the store instead: sqlite:PATH or postgres://…',
      ).conflicts('state'),
    )
    .option(
      '--vulndb <dir>',
      'advisory database from `vulndb import` (default: ~/.local/share/minewarden/vulndb)',
    )
    .option('--no-vulns', 'skip the software inventory and vulnerability matching')
    .addOption(
      new Option('--paths <format>', 'print only the ranked attack paths').choices(['text', 'json', 'dot']),
    )
    .action(async (opts: PostureCliOptions) => {
      const inputs = [opts.aws, opts.terraform, opts.k8s, opts.compose, opts.dockerfile].flat();
      if (!opts.host && !opts.root && inputs.length === 0)
        throw new MinewardenError(
          'MW_USAGE',
          'nothing to check: give --host, --root or an input (--terraform, --k8s ...)',
        );
      const r = await runPosture({
        host: opts.host,
        ...(opts.root ? { root: opts.root } : {}),
        probe: opts.probe,
        aws: opts.aws,
        terraform: opts.terraform,
        k8s: opts.k8s,
        compose: opts.compose,
        dockerfile: opts.dockerfile,
        ...(opts.suppressions ? { suppressions: opts.suppressions } : {}),
        ...(opts.state ? { state: opts.state } : {}),
        ...(opts.db ? { db: opts.db } : {}),
        ...(opts.vulndb ? { vulndb: opts.vulndb } : {}),
        noVulns: !opts.vulns,
        now: new Date(),
      });
      if (opts.paths === 'text') process.stdout.write(pathsText(r.paths, 50));
      else if (opts.paths === 'dot') process.stdout.write(pathsDot(r.paths));
      else if (opts.paths === 'json')
        process.stdout.write(`${JSON.stringify({ host: r.host, paths: r.paths }, null, 2)}\n`);
      else if (opts.format === 'sarif') {
        const { renderSarif } = await import('../../report/sarif.js');
        const rules = ALL_CHECKS.map((c) => ({ ...c.meta, references: c.meta.references }));
        process.stdout.write(renderSarif(r.findings, { version: VERSION, baseDir: process.cwd(), rules }));
      } else if (opts.format === 'table') {
        process.stdout.write(postureTable(r.findings, r.warnings.items));
        if (r.paths.length)
          process.stdout.write(`\nAttack paths (highest score first):\n${pathsText(r.paths, 10)}`);
        if (r.suppressed.length) process.stdout.write(`${r.suppressed.length} finding(s) suppressed.\n`);
      } else {
        process.stdout.write(
          renderFindingsReport(
            {
              findings: r.findings,
              warnings: r.warnings.items,
              summary: {
                findings: r.findings.length,
                suppressed: r.suppressed.length,
                expiredSuppressions: r.expiredSuppressions.length,
                resources: r.assets.resources.length,
              },
              extra: {
                host: r.host,
                attackPaths: r.paths,
                suppressed: r.suppressed.map((s) => ({
                  id: s.finding.id,
                  ruleId: s.finding.ruleId,
                  reason: s.suppression.reason,
                  expires: s.suppression.expires,
                })),
              },
            },
            'json',
          ),
        );
      }
      process.exitCode = exitCodeFor(r.findings, opts.failOn);
    });
}
