import type { Finding } from '../model/findings.js';
import type { VfioProcessSample } from '../model/host-sample.js';
import type { VmOrchestrator } from '../model/orchestrator.js';
import { formatBytes } from './format-bytes.js';
import type { AnalysisThresholds } from './thresholds.js';
import type { VmFigures } from './vm-findings.js';

/**
 * What the layer above QEMU got right or wrong about this VM's limit:
 * libvirt's rule (analysis/libvirt-memlock-rule.ts) against the charge VFIO
 * will make (expected) and against the limit the process really has.
 */
export function orchestratorFindings(
  process: VfioProcessSample,
  figures: VmFigures,
  orchestrator: VmOrchestrator,
  thresholds: AnalysisThresholds,
): Finding[] {
  const rule = orchestrator.libvirtMemlock;
  if (!rule || figures.accountingClass === 'underflow' || figures.accountingClass === 'iommufd') return [];
  const findings: Finding[] = [];
  const expected = figures.expectedLockedBytes;
  const soft = process.memlockLimit.softBytes;
  const domain = orchestrator.domain ?? 'the domain';

  if (rule.limitBytes !== null && expected !== null && rule.limitBytes < expected) {
    const source = rule.rule === 'hard-limit' ? `<memtune><hard_limit> ${formatBytes(rule.limitBytes)}` : `its rule (${formatBytes(rule.limitBytes)})`;
    findings.push({
      kind: 'orchestrator-limit-below-charge',
      // With CAP_IPC_LOCK __account_locked_vm() (mm/util.c) skips the check: the charge cannot fail.
      severity: process.hasCapIpcLock ? 'info' : 'critical',
      explanation:
        `libvirt gives ${domain} RLIMIT_MEMLOCK from ${source}, below the ${formatBytes(expected)} the kernel charges for it ` +
        `(guest RAM x ${figures.dmaAddressSpaces} DMA address space${figures.dmaAddressSpaces === 1 ? '' : 's'}): ` +
        (process.hasCapIpcLock
          ? 'the process has CAP_IPC_LOCK so the limit is not enforced now, but it would fail without it; '
          : 'VFIO_MAP_DMA fails with ENOMEM once VmLck reaches it; ') +
        `set hard_limit to at least ${formatBytes(expected + thresholds.overheadAllowanceBytes)}${rule.rule === 'hard-limit' ? ' or remove it' : ''}.`,
    });
  }

  // libvirt only raises limits; a process below the rule was lowered afterwards (prlimit) or run by a libvirt older than 8.7.
  const ruleUnlimited = rule.rule === 'locked';
  const processBelowRule = soft !== null && (ruleUnlimited || (rule.limitBytes !== null && soft < rule.limitBytes));
  if (processBelowRule) {
    findings.push({
      kind: 'orchestrator-limit-mismatch',
      severity: 'info',
      explanation:
        `RLIMIT_MEMLOCK of the process is ${formatBytes(soft)}, but libvirt's rule for ${domain} gives ` +
        `${ruleUnlimited ? 'unlimited' : formatBytes(rule.limitBytes ?? 0)}: ${rule.explanation} ` +
        `A lower limit means something changed it after libvirt (prlimit, a KubeVirt virt-handler) or libvirt predates the rule (the vIOMMU factor came in 8.7).`,
    });
  }

  if (
    rule.rule === 'viommu' &&
    figures.accountingClass === 'ok' &&
    rule.limitBytes !== null &&
    expected !== null &&
    rule.limitBytes >= expected &&
    !processBelowRule
  ) {
    const spaces = figures.dmaAddressSpaces;
    findings.push({
      kind: 'libvirt-viommu-limit',
      severity: 'info',
      explanation:
        spaces < rule.memoryFactor
          ? `VmLck ${formatBytes(process.lockedBytes)} is ${spaces} x guest RAM: ${rule.explanation} ` +
            `But devices behind one conventional PCI bridge share its IOMMU address space, so the kernel charges guest RAM ${spaces} time${spaces === 1 ? '' : 's'}, not ${rule.memoryFactor}: ` +
            `the limit has ${formatBytes(rule.limitBytes - (expected ?? 0))} to spare.`
          : `VmLck ${formatBytes(process.lockedBytes)} is ${spaces} x guest RAM, as expected: ${rule.explanation}`,
    });
  }
  return findings;
}
