import type { Command } from 'commander';
import { addConfigFlags } from '../config-flags.js';
import { composePinwatch } from '../compose-pinwatch.js';
import type { PinwatchConfig } from '../../config/config-schema.js';
import { WebConfigError } from '../../server/web-config/load-web-config.js';
import { createLogger } from './create-logger.js';
import { loadCommandConfig } from './load-command-config.js';

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('run the daemon: sample every collection interval, keep history in SQLite, serve /metrics and the API');
  addConfigFlags(command).action(async () => {
    await runServe(loadCommandConfig(command));
  });
}

/** host:port -> fastify's listen options ("[::1]:9477" keeps its brackets off). */
export function parseListenAddress(address: string): { host: string; port: number } {
  const index = address.lastIndexOf(':');
  const host = address.slice(0, index).replace(/^\[(.*)\]$/, '$1');
  return { host: host === '' ? '0.0.0.0' : host, port: Number(address.slice(index + 1)) };
}

/**
 * The daemon: probes attach first (bpftrace takes seconds), then the loop and
 * the server start. SIGTERM/SIGINT stop the loop after the cycle in flight has
 * been written, stop bpftrace, close the server and the database, exit 0.
 */
export async function runServe(config: PinwatchConfig, extraLog: Record<string, unknown> = {}): Promise<void> {
  const logger = createLogger(config);
  let runtime: ReturnType<typeof composePinwatch>;
  try {
    runtime = composePinwatch(config, { logger, httpLogger: logger, withStore: true });
  } catch (error) {
    // Like a bad --config: exit 2 naming the file and the key.
    if (!(error instanceof WebConfigError)) throw error;
    process.stderr.write(`pinwatch: ${error.message}\n`);
    process.exit(2);
  }
  runtime.startSources();
  runtime.daemon.start();
  const { host, port } = parseListenAddress(config.web.listenAddress);
  try {
    await runtime.app.listen({ host, port });
  } catch (error) {
    logger.fatal({ err: error, address: config.web.listenAddress }, 'cannot listen');
    await runtime.close();
    process.exit(1);
  }
  logger.info(
    { address: config.web.listenAddress, db: config.db.path, procfs: config.path.procfs, sysfs: config.path.sysfs, intervalMs: config.collection.interval, ...extraLog },
    'pinwatch serving',
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing the cycle in flight');
    runtime
      .close()
      .then(() => {
        logger.info({}, 'stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'error while stopping');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
