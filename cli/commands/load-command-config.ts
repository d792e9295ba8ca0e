import type { Command } from 'commander';
import type { PinwatchConfig } from '../../config/config-schema.js';
import { ConfigError, loadConfig } from '../../config/load-config.js';
import { readConfigFlags } from '../config-flags.js';

/**
 * The config of a subcommand: defaults < --config / PINWATCH_CONFIG file <
 * PINWATCH_* environment < flags. A bad config exits 2 with the key and reason.
 */
export function loadCommandConfig(command: Command): PinwatchConfig {
  const { configFile, flags } = readConfigFlags(command);
  try {
    return loadConfig({ configFile: configFile ?? process.env.PINWATCH_CONFIG ?? null, env: process.env, flags });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`pinwatch: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
