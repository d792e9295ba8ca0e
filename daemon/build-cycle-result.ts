import { analyzeVms, summarizeHost } from '../analysis/analyze-host.js';
import type { AnalysisThresholds } from '../analysis/thresholds.js';
import type { CycleResult, VmView } from '../model/cycle.js';
import type { HostSample } from '../model/host-sample.js';
import type { EbpfAttribution } from './ebpf-attribution.js';

/**
 * Sample -> verdicts: the /proc analysis of every VM, merged with its eBPF view
 * and eBPF findings when the probes run. Pure apart from what the attribution
 * keeps between cycles.
 */
export function buildCycleResult(
  sample: HostSample,
  thresholds: AnalysisThresholds,
  ebpf: EbpfAttribution | null,
): CycleResult {
  const analyzed = analyzeVms(sample, thresholds);
  const attribution = ebpf?.attribute(sample, analyzed) ?? null;
  const vms: VmView[] = analyzed.map(({ process, analysis }) => {
    const extraFindings = attribution?.findings.get(analysis.processKey) ?? [];
    return {
      process,
      analysis: extraFindings.length ? { ...analysis, findings: [...analysis.findings, ...extraFindings] } : analysis,
      ebpf: attribution?.views.get(analysis.processKey) ?? null,
    };
  });
  return {
    sample,
    vms,
    host: summarizeHost(
      sample,
      vms.map((vm) => vm.analysis),
    ),
    leaks: attribution?.leaks ?? [],
    ebpfUnattributedReleasedPagesTotal: attribution?.unattributedReleasedPagesTotal ?? null,
  };
}
