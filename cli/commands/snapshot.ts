import type { Command } from 'commander';
import { vmJson } from '../../server/api/vm-json.js';
import { addConfigFlags } from '../config-flags.js';
import { formatSnapshotTable } from '../format-snapshot.js';
import { probeProcfs } from '../procfs-probe.js';
import { loadCommandConfig } from './load-command-config.js';
import { runOneShotCycle } from './one-shot-cycle.js';

export function registerSnapshotCommand(program: Command): void {
  const command = program
    .command('snapshot')
    .description('print every VFIO user with VmLck, expected charge, memlock headroom and findings, then exit')
    .option('--json', 'print JSON (the shape of GET /api/v1/vms) instead of a table');
  addConfigFlags(command).action(async (options: { json?: boolean }) => {
    const config = loadCommandConfig(command);
    // An empty or wrong --path.procfs would print an empty table and exit 0.
    const problem = probeProcfs(config.path.procfs);
    if (problem) {
      process.stderr.write(`pinwatch: ${problem}\n`);
      process.exitCode = 1;
      return;
    }
    const result = await runOneShotCycle(config);
    if (options.json) {
      const body = { host: result.host, vms: result.vms.map((vm) => vmJson(vm, result.sample, null)), errors: result.sample.errors };
      process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    } else {
      process.stdout.write(`${formatSnapshotTable(result)}\n`);
      for (const error of result.sample.errors) {
        process.stderr.write(`collector ${error.collector}: ${error.reason} ${error.path}: ${error.message}\n`);
      }
    }
  });
}
