import type { CycleResult } from '../model/cycle.js';

export interface CheckVerdict {
  /** Nagios plugin convention: 0 OK, 1 WARNING, 2 CRITICAL. */
  exitCode: 0 | 1 | 2;
  line: string;
}

/**
 * `pinwatch check`: one line and an exit code for cron and Nagios-style
 * checks. Info findings do not raise the status; collector errors on their
 * own are a warning (the numbers may be incomplete).
 */
export function checkVerdict(result: CycleResult): CheckVerdict {
  const critical: string[] = [];
  const warning: string[] = [];
  for (const vm of result.vms) {
    for (const finding of vm.analysis.findings) {
      if (finding.severity === 'critical') critical.push(`${vm.analysis.vmName} ${finding.kind}`);
      if (finding.severity === 'warning') warning.push(`${vm.analysis.vmName} ${finding.kind}`);
    }
  }
  for (const leak of result.leaks) critical.push(`${leak.vmName} pins-leaked-after-exit`);
  const failed = result.sample.runs.filter((r) => !r.success).map((r) => `collector ${r.collector} failed`);
  const users = `${result.host.vfioUsers} VFIO user${result.host.vfioUsers === 1 ? '' : 's'}`;
  if (critical.length) {
    return { exitCode: 2, line: `PINWATCH CRITICAL - ${users}; ${[...critical, ...warning, ...failed].join(', ')}` };
  }
  if (warning.length || failed.length) {
    return { exitCode: 1, line: `PINWATCH WARNING - ${users}; ${[...warning, ...failed].join(', ')}` };
  }
  return { exitCode: 0, line: `PINWATCH OK - ${users}, no warning or critical finding` };
}
