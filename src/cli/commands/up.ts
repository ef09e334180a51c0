import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { loadAgentConfig } from '../../agent/config.js';
import { startAgent } from '../../agent/run.js';
import { hashSecret, newId, newSecret } from '../../server/auth/secrets.js';
import { parseServerConfig } from '../../server/config.js';
import { runServer } from '../../server/run.js';
import { type CommonOptions, parseNonNegativeInt, parsePositiveInt, withCommonOptions } from '../options.js';
import { untilSignal } from '../signals.js';
import { VERSION } from '../version.js';
import { autoRespondOverrides } from './agent.js';
import { type CloudFlagOptions, cloudOverrides, withCloudOptions } from './cloud-options.js';

interface UpCliOptions extends CommonOptions, CloudFlagOptions {
  data: string;
  host: string;
  port: number;
  scanInterval: number;
  verbose: boolean;
  autoRespond?: 'off' | 'simulate' | 'enforce';
  policy?: string;
}

export function registerUp(program: Command): void {
  // The all-in-one's server watches the cloud directories itself, as `server --cloud-*` does.
  withCloudOptions(
    withCommonOptions(
      program.command('up').description('all in one: server + an agent for this host, on SQLite in ./data'),
      ['table', 'json'],
    ),
    'server',
  )
    .addOption(new Option('--data <dir>', 'where the database and agent state live').default('./data'))
    .addOption(new Option('--host <addr>', 'address to listen on').default('127.0.0.1'))
    .addOption(
      new Option('--port <n>', 'port (0 picks a free one)')
        .default(8080)
        .argParser(parseNonNegativeInt('--port')),
    )
    .addOption(
      new Option('--scan-interval <ms>', 'time between scans of this host')
        .default(60_000)
        .argParser(parsePositiveInt('--scan-interval')),
    )
    .addOption(
      new Option(
        '--auto-respond <mode>',
        "the agent's automatic response: simulate (default) journals what it would do, enforce acts",
      ).choices(['off', 'simulate', 'enforce']),
    )
    .addOption(
      new Option('--policy <file>', "the agent's response policy (wins over the server's pushed one)"),
    )
    .option('-v, --verbose', 'request log on stderr', false)
    .action(async (opts: UpCliOptions) => {
      const data = resolve(opts.data);
      // Quarantine and backups of dashboard-driven responses stay with the rest of the all-in-one's data.
      process.env.MINEWARDEN_STATE_DIR ??= join(data, 'state');
      const cloud = cloudOverrides(opts);
      const srv = await runServer({
        ...(cloud ? { config: parseServerConfig({ cloud }) } : {}),
        db: `sqlite:${join(data, 'minewarden.db')}`,
        host: opts.host,
        port: opts.port,
        version: VERSION,
        ...(opts.verbose ? { logStream: process.stderr } : {}),
      });
      // The local agent enrolls like any other, over HTTP, with a single-use token that never leaves this process.
      const token = newSecret('mwe');
      const now = new Date();
      await srv.store.auth.createEnrollmentToken({
        id: newId('e'),
        tokenHash: hashSecret(token),
        createdBy: 'up',
        createdAt: now,
        expiresAt: new Date(now.getTime() + 600_000),
        maxUses: 1,
      });
      const config = loadAgentConfig(undefined, {
        server: srv.url,
        token,
        stateDir: join(data, 'agent'),
        scanIntervalMs: opts.scanInterval,
        heartbeatIntervalMs: Math.min(30_000, opts.scanInterval),
        autoRespond: autoRespondOverrides(opts),
      });
      const log = (msg: string, fields: Record<string, unknown> = {}) =>
        process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), msg, ...fields })}\n`);
      const agent = await startAgent(config, { version: VERSION, log });
      const info = { url: srv.url, data, firstAdmin: srv.firstAdmin };
      if (opts.format === 'json') process.stdout.write(`${JSON.stringify(info)}\n`);
      else {
        process.stdout.write(`minewarden is up: ${srv.url}  (data in ${data})\n`);
        if (srv.firstAdmin)
          process.stdout.write(
            `first run: log in as "${srv.firstAdmin.name}" with the one-time password ${srv.firstAdmin.password}\n` +
              '(it is shown only now; it is stored hashed)\n',
          );
        process.stdout.write(`API: ${srv.url}/openapi.json   Ctrl-C stops.\n`);
      }
      await untilSignal();
      await agent.stop();
      await srv.close();
    });
}
