import type { Command } from 'commander';
import { loadConfig } from '../../config/load-config.js';
import { addConfigFlags } from '../config-flags.js';
import { unknownVerdict } from '../check-verdict.js';
import { runCheck } from '../run-check.js';
import { commandConfigSources } from './load-command-config.js';
import { runOneShotCycle } from './one-shot-cycle.js';

export function registerCheckCommand(program: Command): void {
  const command = program
    .command('check')
    .description('one Nagios plugin line and exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (bad config, not a procfs, a failed collector)');
  // A bad flag is the plugin's UNKNOWN too (commander's own exit code would be 1, WARNING).
  command.exitOverride((error) => {
    if (error.exitCode === 0) process.exit(0); // --help
    process.stdout.write(`${unknownVerdict(error.message.replace(/^error: /, '')).line}\n`);
    process.exit(3);
  });
  addConfigFlags(command).action(async () => {
    const verdict = await runCheck(() => loadConfig(commandConfigSources(command)), runOneShotCycle);
    process.stdout.write(`${verdict.line}\n`);
    process.exitCode = verdict.exitCode;
  });
}
