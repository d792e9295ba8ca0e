import type { Command } from 'commander';
import { createSystemClock } from '../../collectors/clock.js';
import type { CollectorDeps } from '../../collectors/registry.js';
import type { PinwatchConfig } from '../../config/config-schema.js';
import { loadConfig, type ConfigSources } from '../../config/load-config.js';
import { addConfigFlags } from '../config-flags.js';
import { composePinwatch, ebpfSourceSetting, type PinwatchRuntime } from '../compose-pinwatch.js';
import { reloadConfig } from '../reload-config.js';
import { exitWithStartupError, listenErrorSentence, StartupError } from '../startup-errors.js';
import { WebConfigError } from '../../server/web-config/load-web-config.js';
import { createLogger } from './create-logger.js';
import { commandConfigSources, loadCommandConfig } from './load-command-config.js';

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('run the daemon: sample every collection interval, keep history in SQLite, serve /metrics and the API; SIGHUP reloads the config file');
  addConfigFlags(command).action(async () => {
    await runServe(loadCommandConfig(command), { sources: commandConfigSources(command) });
  });
}

export interface ServeOptions {
  /** Where the config came from, read again on SIGHUP; null: nothing to reload (demo). */
  sources: ConfigSources | null;
  /** Extra fields for the "pinwatch serving" log line. */
  extraLog?: Record<string, unknown>;
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
 * SIGHUP re-reads the config file (cli/reload-config.ts). A start-up failure
 * (database, listen address) is one sentence on stderr and exit 1.
 */
export async function runServe(config: PinwatchConfig, options: ServeOptions): Promise<void> {
  const logger = createLogger(config);
  let effective = config;
  // Installed before anything slow: a SIGHUP during start-up must not kill the process (Node's default).
  let runtime: PinwatchRuntime | null = null;
  process.on('SIGHUP', () => {
    if (!runtime) {
      logger.warn({ signal: 'SIGHUP' }, 'SIGHUP during start-up: ignored, send it again once pinwatch serves');
      return;
    }
    if (!options.sources?.configFile) {
      logger.info({ signal: 'SIGHUP' }, 'SIGHUP: no config file given (--config or PINWATCH_CONFIG), nothing to reload');
      return;
    }
    const sources = options.sources;
    const target = reloadTarget(runtime, effective, logger);
    logger.info({ signal: 'SIGHUP', configFile: sources.configFile }, `SIGHUP: reloading the config file ${sources.configFile}`);
    effective = reloadConfig(effective, () => loadConfig(sources), target).config;
  });

  try {
    runtime = composePinwatch(config, { logger, httpLogger: logger, withStore: true, collectionThread: true });
  } catch (error) {
    // A bad --web.config.file is a config error like a bad --config: exit 2 naming the file and the key.
    if (error instanceof WebConfigError) exitWithStartupError(new StartupError(error.message, 2));
    exitWithStartupError(error);
  }
  const started = runtime;
  started.startSources();
  started.daemon.start();
  const { host, port } = parseListenAddress(config.web.listenAddress);
  try {
    await started.app.listen({ host, port });
  } catch (error) {
    await started.close().catch(() => undefined);
    exitWithStartupError(new StartupError(listenErrorSentence(config.web.listenAddress, error), 1));
  }
  logger.info(
    {
      address: config.web.listenAddress,
      db: config.db.path,
      procfs: config.path.procfs,
      sysfs: config.path.sysfs,
      intervalMs: config.collection.interval,
      configFile: options.sources?.configFile ?? null,
      ...options.extraLog,
    },
    'pinwatch serving',
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing the cycle in flight');
    started
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

function reloadTarget(runtime: PinwatchRuntime, config: PinwatchConfig, logger: ReturnType<typeof createLogger>) {
  // A collector turned on by a reload reads the same roots as the others (only the stateless ones are live).
  const collectorDeps: CollectorDeps = {
    paths: { procfs: config.path.procfs, sysfs: config.path.sysfs, devfs: config.path.devfs },
    clock: createSystemClock(),
    logger,
    options: {
      fullScanIntervalMs: config.collection.fullScanInterval,
      ebpfSource: ebpfSourceSetting(config.ebpf.source),
      ebpfPrintIntervalSeconds: config.ebpf.printInterval / 1000,
      ebpfPerPageProbes: config.ebpf.perPageProbes,
    },
    offThread: runtime.collectionThread,
  };
  return {
    live: runtime.live,
    collectors: runtime.collectors,
    collectorDeps,
    setLogLevel: (level: PinwatchConfig['log']['level']) => {
      logger.level = level;
    },
    logger,
  };
}
