import type { PinwatchConfig } from '../config/config-schema.js';
import type { CycleResult } from '../model/cycle.js';
import { checkVerdict, unknownVerdict, type CheckVerdict } from './check-verdict.js';
import { probeProcfs } from './procfs-probe.js';

/**
 * `pinwatch check` end to end, as a plugin must behave: whatever goes wrong,
 * one line and a Nagios code. A bad config, a --path.procfs that is not a
 * procfs, or an unexpected failure is UNKNOWN (3), never OK and never a
 * stack trace; otherwise the verdict of one cycle (check-verdict.ts).
 */
export async function runCheck(
  loadConfig: () => PinwatchConfig,
  runCycle: (config: PinwatchConfig) => Promise<CycleResult>,
): Promise<CheckVerdict> {
  let config: PinwatchConfig;
  try {
    config = loadConfig();
  } catch (error) {
    return unknownVerdict((error as Error).message);
  }
  const problem = probeProcfs(config.path.procfs);
  if (problem) return unknownVerdict(problem);
  try {
    return checkVerdict(await runCycle(config));
  } catch (error) {
    return unknownVerdict(`the collection cycle failed: ${(error as Error).message}`);
  }
}
