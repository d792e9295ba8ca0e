import type { Command } from 'commander';
import { addConfigFlags } from '../config-flags.js';
import { checkVerdict } from '../check-verdict.js';
import { loadCommandConfig } from './load-command-config.js';
import { runOneShotCycle } from './one-shot-cycle.js';

export function registerCheckCommand(program: Command): void {
  const command = program
    .command('check')
    .description('one line and an exit code for cron and Nagios-style checks: 0 ok, 1 warning, 2 critical');
  addConfigFlags(command).action(async () => {
    const verdict = checkVerdict(await runOneShotCycle(loadCommandConfig(command)));
    process.stdout.write(`${verdict.line}\n`);
    process.exitCode = verdict.exitCode;
  });
}
