import { analyzeVms, summarizeHost } from '../analysis/analyze-host.js';
import type { AnalysisThresholds } from '../analysis/thresholds.js';
import type { CycleResult, VmView } from '../model/cycle.js';
import type { HostSample } from '../model/host-sample.js';
import type { CycleAttribution } from './cycle-attribution.js';

/**
 * Sample -> verdicts: the /proc analysis of every VM, merged with what the attribution
 * step decided (eBPF views and findings, kernel log findings and events, ledger changes).
 * Pure apart from what the attribution keeps between cycles.
 */
export function buildCycleResult(sample: HostSample, thresholds: AnalysisThresholds, attribution: CycleAttribution): CycleResult {
  const analyzed = analyzeVms(sample, thresholds);
  const attributed = attribution.attribute(sample, analyzed);
  const vms: VmView[] = analyzed.map(({ process, analysis }) => {
    const extraFindings = attributed.findings.get(analysis.processKey) ?? [];
    return {
      process,
      analysis: extraFindings.length ? { ...analysis, findings: [...analysis.findings, ...extraFindings] } : analysis,
      ebpf: attributed.views.get(analysis.processKey) ?? null,
    };
  });
  return {
    sample,
    vms,
    host: summarizeHost(
      sample,
      vms.map((vm) => vm.analysis),
    ),
    leaks: attributed.leaks,
    kernelLogEvents: attributed.kernelLogEvents,
    ebpfLedger: attributed.ledger,
    ebpfUnattributedReleasedPagesTotal: attributed.unattributedReleasedPagesTotal,
  };
}
