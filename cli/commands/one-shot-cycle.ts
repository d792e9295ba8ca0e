import type { PinwatchConfig } from '../../config/config-schema.js';
import type { CycleResult } from '../../model/cycle.js';
import { silentLogger } from '../../model/logger.js';
import { composePinwatch } from '../compose-pinwatch.js';

/**
 * One collection cycle for `snapshot` and `check`: no database, no server, no
 * bpftrace (attaching takes seconds; a replay source is still honoured).
 */
export async function runOneShotCycle(config: PinwatchConfig): Promise<CycleResult> {
  const ebpfOn = config.ebpf.source.startsWith('replay:');
  const runtime = composePinwatch(
    { ...config, collector: { ...config.collector, ebpf: config.collector.ebpf && ebpfOn } },
    { logger: silentLogger, httpLogger: null, withStore: false },
  );
  try {
    return await runtime.daemon.runCycle();
  } finally {
    await runtime.close();
  }
}
