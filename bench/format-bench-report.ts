import { judgeTargets, TARGET_PROCESS_COUNT } from './bench-targets.js';
import type { MeasureHostSizeResult } from './measure-host-size.js';

const MiB = 1024 * 1024;
const ms = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
const count = (value: number) => value.toLocaleString('en-US');

/** The bench's printed report: one markdown table row per size, then the targets' verdicts. */
export function formatBenchReport(results: readonly MeasureHostSizeResult[]): string {
  const lines = [
    '| processes | VMs | fd links | first cycle (full sweep) | later sweeps | steady cycle median / p90 | vfio_users steady | fds read per steady cycle | analysis | publish (metrics + store) | /metrics prometheus / openmetrics | /metrics size | peak RSS (start-up; live heap after GC) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const vfioMs = r.steadyCollectorsMs['vfio_users']?.medianMs;
    lines.push(
      [
        '',
        count(r.processCount),
        count(r.vmCount),
        count(r.fdLinkCount),
        `${ms(r.firstCycleMs)} ms`,
        `${ms(r.repeatedSweeps.medianMs)} ms`,
        `${ms(r.steadyCycles.medianMs)} / ${ms(r.steadyCycles.p90Ms)} ms`,
        vfioMs === undefined ? 'n/a' : `${ms(vfioMs)} ms`,
        `${count(r.steadyFdLinksRead)} links of ${count(r.steadyFdScannedProcesses)} processes`,
        `${ms(r.analysis.medianMs)} ms`,
        `${ms(r.publish.medianMs)} ms`,
        `${ms(r.render.prometheus.timing.medianMs)} / ${ms(r.render.openmetrics.timing.medianMs)} ms`,
        `${count(r.render.prometheus.sampleLines)} samples, ${(r.render.prometheus.bodyBytes / 1024).toFixed(0)} KiB`,
        `${(r.peakRssBytes / MiB).toFixed(1)} MiB (${(r.rssAfterStartupBytes / MiB).toFixed(1)}; ${r.heapUsedAfterGcBytes === null ? 'n/a' : (r.heapUsedAfterGcBytes / MiB).toFixed(1)})`,
        '',
      ].join(' | ').trim(),
    );
  }

  const target = results.find((r) => r.processCount === TARGET_PROCESS_COUNT);
  lines.push('');
  if (target) {
    lines.push(`Targets (${count(TARGET_PROCESS_COUNT)} processes):`);
    for (const verdict of judgeTargets(target)) {
      const unit = verdict.unit === 'ms' ? 'ms' : ' MiB';
      const measured = verdict.unit === 'ms' ? ms(verdict.measured) : verdict.measured.toFixed(1);
      lines.push(`  ${verdict.pass ? 'PASS' : 'MISS'}  ${verdict.name}: ${measured}${unit} (target <= ${verdict.limit}${unit})`);
    }
  } else {
    lines.push(`Targets not judged: no ${count(TARGET_PROCESS_COUNT)}-process run.`);
  }
  for (const r of results) {
    for (const problem of r.problems) lines.push(`INVALID ${count(r.processCount)} processes: ${problem}`);
  }
  return lines.join('\n');
}
