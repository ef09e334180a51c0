import { type Command, Option } from 'commander';
import { loadServerConfig, parseServerConfig } from '../../server/config.js';
import { runServer } from '../../server/run.js';
import { type CommonOptions, parseNonNegativeInt, withCommonOptions } from '../options.js';
import { untilSignal } from '../signals.js';
import { VERSION } from '../version.js';
import { type CloudFlagOptions, cloudOverrides, withCloudOptions } from './cloud-options.js';

interface ServerCliOptions extends CommonOptions, CloudFlagOptions {
  db: string;
  bus?: string;
  host: string;
  port: number;
  quiet: boolean;
  config?: string;
}

export { untilSignal };

export function registerServer(program: Command): void {
  withCloudOptions(
    withCommonOptions(
      program.command('server').description('run the fleet server: HTTP API, ingest, storage'),
      ['table', 'json'],
    ),
    'server',
  )
    .addOption(
      new Option('--db <url>', 'sqlite:PATH or postgres://...').default('sqlite:./data/minewarden.db'),
    )
    .addOption(new Option('--bus <url>', 'also consume agent batches from NATS JetStream (nats://...)'))
    .addOption(new Option('--host <addr>', 'address to listen on').default('127.0.0.1'))
    .addOption(
      new Option('--port <n>', 'port to listen on (0 picks a free one)')
        .default(8080)
        .argParser(parseNonNegativeInt('--port')),
    )
    .addOption(new Option('--config <file>', 'server YAML: sinks, fleet correlation, metrics, bus names'))
    .option('-q, --quiet', 'no request log on stderr', false)
    .action(async (opts: ServerCliOptions) => {
      const fromFile = loadServerConfig(opts.config);
      const cloud = cloudOverrides(opts);
      // Flags replace the file's cloud keys they give; the result is validated again.
      const config = cloud
        ? parseServerConfig({ ...fromFile, cloud: { ...fromFile.cloud, ...cloud } })
        : fromFile;
      const srv = await runServer({
        config,
        db: opts.db,
        host: opts.host,
        port: opts.port,
        version: VERSION,
        ...(opts.quiet ? {} : { logStream: process.stderr }),
        ...(opts.bus ? { bus: opts.bus } : {}),
      });
      const info = { url: srv.url, db: srv.store.kind, firstAdmin: srv.firstAdmin };
      if (opts.format === 'json') process.stdout.write(`${JSON.stringify(info)}\n`);
      else {
        process.stdout.write(`minewarden server listening on ${srv.url} (${srv.store.kind})\n`);
        if (srv.firstAdmin)
          process.stdout.write(
            `first run: user "${srv.firstAdmin.name}", one-time password ${srv.firstAdmin.password}\n`,
          );
      }
      await untilSignal();
      await srv.close();
    });
}
