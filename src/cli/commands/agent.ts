import { type Command, Option } from 'commander';
import { loadAgentConfig } from '../../agent/config.js';
import { startAgent } from '../../agent/run.js';
import { type CommonOptions, parsePositiveInt, withCommonOptions } from '../options.js';
import { untilSignal } from '../signals.js';
import { VERSION } from '../version.js';
import { type CloudFlagOptions, cloudOverrides, withCloudOptions } from './cloud-options.js';

interface AgentCliOptions extends CommonOptions, CloudFlagOptions {
  config?: string;
  server?: string;
  token?: string;
  bus?: string;
  stateDir?: string;
  scanInterval?: number;
  heartbeatInterval?: number;
  root?: string;
  autoRespond?: 'off' | 'simulate' | 'enforce';
  policy?: string;
  hashPack?: string[];
}

export function registerAgent(program: Command): void {
  withCloudOptions(
    withCommonOptions(
      program
        .command('agent')
        .description('scan this host continuously and ship findings, heartbeats and inventory'),
      ['table', 'json'],
    ),
    'agent',
  )
    .addOption(new Option('--config <file>', 'agent YAML config (flags override its keys)'))
    .addOption(new Option('--server <url>', 'fleet server URL'))
    .addOption(
      new Option('--token <token>', 'enrollment token, first start only (or env MINEWARDEN_ENROLL_TOKEN)'),
    )
    .addOption(new Option('--bus <url>', 'publish to NATS JetStream instead (nats://...)'))
    .addOption(
      new Option('--state-dir <dir>', 'queue and credential directory (default /var/lib/minewarden)'),
    )
    .addOption(
      new Option('--scan-interval <ms>', 'time between scans').argParser(parsePositiveInt('--scan-interval')),
    )
    .addOption(
      new Option('--heartbeat-interval <ms>', 'time between heartbeats').argParser(
        parsePositiveInt('--heartbeat-interval'),
      ),
    )
    .addOption(
      new Option('--root <dir>', 'read another root: the host mounted at DIR (scan, auth logs, DNS files)'),
    )
    .addOption(
      new Option(
        '--auto-respond <mode>',
        'apply the response policy to findings: simulate (default) journals what it would do, enforce acts',
      ).choices(['off', 'simulate', 'enforce']),
    )
    .addOption(
      new Option(
        '--policy <file>',
        "response policy YAML for automatic response (wins over the server's pushed one; default: built-in)",
      ),
    )
    .addOption(
      new Option(
        '--hash-pack <file>',
        'known-miner hash pack (JSON, the format of the built-in list), after the built-in hashes; repeatable',
      ).argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]),
    )
    .action(async (opts: AgentCliOptions) => {
      const config = loadAgentConfig(opts.config, {
        server: opts.server,
        // The environment keeps the token out of the process list (ps) on the host.
        token: opts.token ?? process.env.MINEWARDEN_ENROLL_TOKEN,
        bus: opts.bus,
        stateDir: opts.stateDir,
        scanIntervalMs: opts.scanInterval,
        heartbeatIntervalMs: opts.heartbeatInterval,
        ...(opts.root || opts.hashPack
          ? {
              scan: {
                ...(opts.root ? { root: opts.root } : {}),
                ...(opts.hashPack ? { hashPacks: opts.hashPack } : {}),
              },
            }
          : {}),
        cloud: cloudOverrides(opts),
        autoRespond: autoRespondOverrides(opts),
      });
      const log = (msg: string, fields: Record<string, unknown> = {}) =>
        process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), msg, ...fields })}\n`);
      const agent = await startAgent(config, { version: VERSION, log });
      log('agent started', {
        server: config.server ?? null,
        bus: config.bus ?? null,
        stateDir: config.stateDir,
      });
      await untilSignal();
      await agent.stop();
    });
}

/** Only the flags given, so the config file's other autoRespond keys stay. */
export function autoRespondOverrides(o: {
  autoRespond?: string;
  policy?: string;
}): Record<string, string> | undefined {
  const out = {
    ...(o.autoRespond ? { mode: o.autoRespond } : {}),
    ...(o.policy ? { policy: o.policy } : {}),
  };
  return Object.keys(out).length > 0 ? out : undefined;
}
