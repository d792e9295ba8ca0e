import type { Command } from 'commander';
import { runCommandWithDeadline } from '../../collectors/ebpf/ebpf-collector.js';
import { runEbpfDoctor } from '../../ebpf/doctor-report.js';
import { addConfigFlags } from '../config-flags.js';
import { loadCommandConfig } from './load-command-config.js';

export function registerDoctorCommand(program: Command): void {
  const command = program
    .command('doctor')
    .description("print this host's eBPF probe plan: each probe, the symbol chosen and why, and what is missing");
  addConfigFlags(command).action(async () => {
    const config = loadCommandConfig(command);
    const report = await runEbpfDoctor({
      paths: { procfs: config.path.procfs, sysfs: config.path.sysfs, devfs: config.path.devfs },
      searchPath: process.env.PATH ?? '',
      runCommand: runCommandWithDeadline,
      intervalSeconds: config.ebpf.printInterval / 1000,
      perPageProbes: config.ebpf.perPageProbes,
    });
    process.stdout.write(`${report}\n`);
  });
}
