#!/usr/bin/env node
import { Command } from 'commander';
import { registerCheckCommand } from './commands/check.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSnapshotCommand } from './commands/snapshot.js';
import { PINWATCH_VERSION } from './version.js';
import { versionLine } from './version-line.js';

/**
 * pinwatch: per-VM VFIO DMA pinning and RLIMIT_MEMLOCK accounting.
 * Each subcommand lives in cli/commands/ and shares the config flags of
 * config/settings.ts.
 */
const program = new Command('pinwatch')
  .description('VFIO DMA pinning and memlock accounting, per VM: what the kernel pinned, what it charged, and why they differ')
  .version(versionLine(PINWATCH_VERSION, process.version))
  .showHelpAfterError();

registerServeCommand(program);
registerSnapshotCommand(program);
registerCheckCommand(program);
registerDoctorCommand(program);
registerDemoCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`pinwatch: ${(error as Error).message}\n`);
  process.exit(2);
});
