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

  lines.push('', '| processes | C floor median (processes, fd links) | steady / floor | first cycle / floor | later sweeps / floor | scrape p50 / p99 during back-to-back sweeps (scrapes) |', '|---|---|---|---|---|---|');
  for (const r of results) {
    const floor = r.cFloor;
    const ratio = (value: number) => (floor ? `${(value / floor.timing.medianMs).toFixed(2)}x` : 'n/a');
    lines.push(
      [
        '',
        count(r.processCount),
        floor ? `${ms(floor.timing.medianMs)} ms (${count(floor.processes)}, ${count(floor.fdLinks)})` : 'n/a',
        ratio(r.steadyCycles.medianMs),
        ratio(r.firstCycleMs),
        ratio(r.repeatedSweeps.medianMs),
        r.scrape ? `${ms(r.scrape.p50Ms)} / ${ms(r.scrape.p99Ms)} ms (${r.scrape.count})` : 'n/a',
        '',
      ].join(' | ').trim(),
    );
  }

  lines.push('');
  if (!results.some((r) => r.processCount === TARGET_PROCESS_COUNT)) lines.push(`Targets not judged: no ${count(TARGET_PROCESS_COUNT)}-process run.`);
  for (const r of results) {
    const verdicts = judgeTargets(r);
    if (verdicts.length === 0) continue;
    lines.push(`Targets (${count(r.processCount)} processes):`);
    for (const verdict of verdicts) {
      const unit = verdict.unit === 'MiB' ? ' MiB' : verdict.unit;
      const measured =
        verdict.measured === null ? 'not measured' : verdict.unit === 'ms' ? ms(verdict.measured) : verdict.measured.toFixed(verdict.unit === 'x' ? 2 : 1);
      lines.push(`  ${verdict.pass ? 'PASS' : 'MISS'}  ${verdict.name}: ${measured}${verdict.measured === null ? '' : unit} (target <= ${verdict.limit}${unit})`);
    }
  }
  for (const r of results) {
    for (const problem of r.problems) lines.push(`INVALID ${count(r.processCount)} processes: ${problem}`);
  }
  return lines.join('\n');
}
