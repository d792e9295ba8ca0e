import type { Command } from 'commander';
import type { PinwatchConfig } from '../../config/config-schema.js';
import { ConfigError, loadConfig, type ConfigSources } from '../../config/load-config.js';
import { readConfigFlags } from '../config-flags.js';

/**
 * Where a subcommand's config comes from: defaults < --config / PINWATCH_CONFIG
 * file < PINWATCH_* environment < flags. `serve` keeps these to re-read the
 * file on SIGHUP with the same flags and environment on top.
 */
export function commandConfigSources(command: Command): ConfigSources {
  const { configFile, flags } = readConfigFlags(command);
  return { configFile: configFile ?? process.env.PINWATCH_CONFIG ?? null, env: process.env, flags };
}

/** The config of a subcommand. A bad config exits 2 with the key and reason. */
export function loadCommandConfig(command: Command): PinwatchConfig {
  try {
    return loadConfig(commandConfigSources(command));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`pinwatch: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
