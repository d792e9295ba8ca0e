import type { CycleResult } from '../model/cycle.js';

/** Nagios plugin return codes (monitoring-plugins development guidelines, "Plugin Return Codes"). */
export type CheckExitCode = 0 | 1 | 2 | 3;

export interface CheckVerdict {
  /** 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
  exitCode: CheckExitCode;
  /** `PINWATCH <STATUS> - <text> | <perfdata>`: the one line a plugin prints. */
  line: string;
}

/**
 * `pinwatch check`: one line and an exit code for cron and Nagios-style
 * checks. Info findings do not raise the status. A collector that failed as
 * a whole means the answer is incomplete: UNKNOWN, unless a critical finding
 * was seen anyway (a known CRITICAL is more useful than "unknown"), the order
 * Icinga and Nagios use to pick the worst state: CRITICAL > UNKNOWN > WARNING > OK.
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
  const perf = perfdata(result, critical.length, warning.length, failed.length);
  if (critical.length) {
    return { exitCode: 2, line: `PINWATCH CRITICAL - ${users}; ${[...critical, ...failed, ...warning].join(', ')} | ${perf}` };
  }
  if (failed.length) {
    return { exitCode: 3, line: `PINWATCH UNKNOWN - ${users}; ${[...failed, ...warning].join(', ')} | ${perf}` };
  }
  if (warning.length) {
    return { exitCode: 1, line: `PINWATCH WARNING - ${users}; ${warning.join(', ')} | ${perf}` };
  }
  return { exitCode: 0, line: `PINWATCH OK - ${users}, no warning or critical finding | ${perf}` };
}

/** The check could not run at all (bad config, not a procfs, an unexpected error): no perfdata. */
export function unknownVerdict(reason: string): CheckVerdict {
  return { exitCode: 3, line: `PINWATCH UNKNOWN - ${oneLine(reason)}` };
}

/**
 * Performance data: `label=value[UOM];warn;crit;min;max`, space separated
 * (monitoring-plugins guidelines, "Performance data"). No thresholds: the
 * status comes from the findings, not from a range on these numbers.
 */
function perfdata(result: CycleResult, critical: number, warning: number, failedCollectors: number): string {
  const errors = result.sample.errors.length;
  return [
    `vfio_users=${result.host.vfioUsers};;;0`,
    `locked=${Math.round(result.host.lockedBytes)}B;;;0`,
    `expected=${Math.round(result.host.expectedLockedBytes)}B;;;0`,
    `critical=${critical};;;0`,
    `warning=${warning};;;0`,
    `collector_errors=${errors};;;0`,
    `failed_collectors=${failedCollectors};;;0`,
  ].join(' ');
}

/** The status line is one line; `|` would start the perfdata. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, '; ').replace(/\|/g, '/');
}
