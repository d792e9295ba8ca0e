import type { Command } from 'commander';
import type { HostPaths } from '../../collectors/host-paths.js';
import type { PinwatchConfig } from '../../config/config-schema.js';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../config/load-config.js';
import { removeDemoExitingVm, writeDemoExitingVm, writeDemoHost } from '../../fixtures/demo-host.js';
import { appendDemoMemlockRecord, writeDemoKernelLog } from '../../fixtures/demo-kernel-log.js';
import { makeFixtureTempDir } from '../../fixtures/fixture-temp-dir.js';
import { packageRoot } from '../package-root.js';
import { formatSnapshotTable } from '../format-snapshot.js';
import { runOneShotCycle } from './one-shot-cycle.js';
import { runServe } from './serve.js';

/**
 * `pinwatch demo`: the daemon on a bundled fixture host (fixtures/demo-host.ts:
 * QEMU VMs in every accounting case, a vanished process, a malformed file) with
 * a replayed eBPF recording, so a machine without VFIO shows VMs and findings.
 */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('serve a bundled fixture host with VMs in every finding case and replayed eBPF counters (no VFIO needed)')
    .option('--web.listen-address <address>', 'address to serve on', '127.0.0.1:9477')
    .option('--collection.interval <duration>', 'time between collection cycles', '5s')
    .option('--snapshot', 'print `pinwatch snapshot` of the demo host and exit instead of serving')
    .action(async (options: Record<string, string | boolean | undefined>) => {
      const root = makeFixtureTempDir('pinwatch-demo-');
      // The fixture tree and the demo database live only as long as the demo: 'exit' also runs
      // on SIGINT/SIGTERM (serve's handlers end in process.exit) and on a start-up error.
      const removeRoot = () => rmSync(root, { recursive: true, force: true });
      process.on('exit', removeRoot);
      const paths = writeDemoHost(path.join(root, 'host'));
      writeDemoKernelLog(paths);
      if (options.snapshot) {
        appendDemoMemlockRecord(paths);
        try {
          const config = demoHostConfig(paths, {});
          process.stdout.write(`${formatSnapshotTable(await runOneShotCycle(config))}\n`);
        } finally {
          removeRoot();
        }
        return;
      }
      writeDemoExitingVm(paths);
      const config = demoHostConfig(paths, {
        'web.listen-address': options['web.listenAddress'] as string,
        'collection.interval': options['collection.interval'] as string,
        'db.path': path.join(root, 'pinwatch-demo.db'),
        // retired-12 exits a few seconds in; report its leak soon, not after the default minute.
        'ebpf.leak-grace': '5s',
      });
      await runServe(config, { sources: null, extraLog: { demoHost: root } });
      // A live "RLIMIT_MEMLOCK exceeded" after start-up, as a failing MAP_DMA would log it.
      setTimeout(() => appendDemoMemlockRecord(paths), 2000).unref();
      // retired-12 exits with 1024 pages still pinned: the leak-after-exit case.
      setTimeout(() => removeDemoExitingVm(paths), 3000).unref();
    });
}

/**
 * The config that points pinwatch at a demo host tree, with the bundled eBPF
 * replay (fixtures/ebpf/demo-replay.json) as the eBPF source; `flags` adds the rest.
 * Shared by `demo`, `demo --snapshot` and the golden /metrics test.
 */
export function demoHostConfig(paths: HostPaths, flags: Record<string, string>): PinwatchConfig {
  return loadConfig({
    configFile: null,
    env: {},
    flags: {
      'path.procfs': paths.procfs,
      'path.sysfs': paths.sysfs,
      'path.devfs': paths.devfs,
      'ebpf.source': `replay:${path.join(packageRoot(), 'fixtures', 'ebpf', 'demo-replay.json')}`,
      ...flags,
    },
  });
}
