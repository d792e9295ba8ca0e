import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeDemoHost } from '../../fixtures/demo-host.js';
import { appendDemoMemlockRecord, writeDemoKernelLog } from '../../fixtures/demo-kernel-log.js';
import { makeFixtureTempDir } from '../../fixtures/fixture-temp-dir.js';
import { demoHostConfig } from './demo.js';
import { runOneShotCycle } from './one-shot-cycle.js';

const roots: string[] = [];
afterEach(() => roots.splice(0).forEach((root) => fs.rmSync(root, { recursive: true, force: true })));

describe('snapshot and check (one cycle)', () => {
  it('report the kernel log\'s "RLIMIT_MEMLOCK exceeded" as a critical finding on the VM it names, without the eBPF collector', async () => {
    const root = makeFixtureTempDir('pinwatch-oneshot-');
    roots.push(root);
    const paths = writeDemoHost(path.join(root, 'host'));
    writeDemoKernelLog(paths);
    appendDemoMemlockRecord(paths); // quotes batch-05's 8 GiB soft limit, logged after batch-05 started
    const config = demoHostConfig(paths, {});
    const result = await runOneShotCycle({ ...config, collector: { ...config.collector, ebpf: false } });
    expect(result.sample.ebpf).toBeNull();
    const batch = result.vms.find((vm) => vm.analysis.vmName === 'batch-05');
    expect(batch?.analysis.findings.find((f) => f.kind === 'kernel-memlock-exceeded')?.severity).toBe('critical');
    expect(result.kernelLogEvents.filter((e) => e.event.kind === 'memlock_exceeded').map((e) => e.vmName)).toEqual(['batch-05']);
  });
});
