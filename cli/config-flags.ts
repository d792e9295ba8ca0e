import { Command, Option } from 'commander';
import { SETTINGS } from '../config/settings.js';

/**
 * Adds every setting of config/settings.ts to a command as a dotted flag
 * (--web.listen-address, --no-collector.ebpf) plus --config, and reads them
 * back by flag name for loadConfig().
 */
export function addConfigFlags(command: Command): Command {
  command.addOption(new Option('--config <file>', 'YAML config file (env PINWATCH_CONFIG)'));
  for (const s of SETTINGS) {
    if (s.kind === 'boolean') {
      command.addOption(new Option(`--${s.flag}`, `${s.description} [${s.env}]`));
      command.addOption(new Option(`--no-${s.flag}`, `disable: ${s.description}`));
    } else {
      command.addOption(new Option(`--${s.flag} <value>`, `${s.description} [${s.env}]`));
    }
  }
  return command;
}

export function readConfigFlags(command: Command): { configFile: string | null; flags: Record<string, string | boolean | undefined> } {
  const opts = command.opts<Record<string, unknown>>();
  const flags: Record<string, string | boolean | undefined> = {};
  for (const s of SETTINGS) {
    const attribute = new Option(`--${s.flag}`).attributeName();
    const value = opts[attribute];
    if (typeof value === 'string' || typeof value === 'boolean') flags[s.flag] = value;
  }
  const configFile = typeof opts.config === 'string' ? opts.config : null;
  return { configFile, flags };
}
