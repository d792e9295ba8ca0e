import { rmSync } from 'node:fs';
import path from 'node:path';
import { demoHostConfig } from '../../cli/commands/demo.js';
import { composePinwatch } from '../../cli/compose-pinwatch.js';
import type { Clock } from '../../collectors/clock.js';
import { writeDemoHost } from '../../fixtures/demo-host.js';
import { writeDemoKernelLog } from '../../fixtures/demo-kernel-log.js';
import { makeFixtureTempDir } from '../../fixtures/fixture-temp-dir.js';
import { silentLogger } from '../../model/logger.js';

/** 2026-11-24T03:00:00Z: the golden file's clock. */
export const GOLDEN_NOW_MS = Date.UTC(2026, 10, 24, 3, 0, 0);

/** A clock that stands still: durations are 0 and timestamps fixed, so the output is byte-stable. */
function frozenClock(nowMs: number): Clock {
  return { nowMs: () => nowMs, monotonicMs: () => 0 };
}

/**
 * /metrics of the demo host after one cycle, through the real pipeline
 * (collectors, analysis, eBPF replay, metrics), with the Node.js version
 * masked: the only value that differs between Node 20 and 22.
 */
export async function renderDemoHostMetrics(format: 'prometheus' | 'openmetrics'): Promise<string> {
  const root = makeFixtureTempDir('pinwatch-golden-');
  const paths = writeDemoHost(path.join(root, 'host'));
  writeDemoKernelLog(paths);
  const config = demoHostConfig(paths, {});
  const runtime = composePinwatch(config, { logger: silentLogger, httpLogger: null, withStore: false, clock: frozenClock(GOLDEN_NOW_MS) });
  try {
    await runtime.daemon.runCycle();
    return runtime.metrics.render(format).body.replace(/node_version="[^"]*"/, 'node_version="NODE_VERSION"');
  } finally {
    await runtime.close();
    rmSync(root, { recursive: true, force: true });
  }
}
