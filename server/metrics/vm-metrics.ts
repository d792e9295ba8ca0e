/** pinwatch_vm_*: what the analysis concluded per VM (identity, expected charge, headroom, class, findings). */
import { vfioDeviceCount } from '../../analysis/guest-memory.js';
import type { AccountingClass } from '../../model/findings.js';
import type { MetricsReadModel } from './metrics-read-model.js';
import { gaugeFamily, type MetricFamily } from './metric-family.js';

// A Record keyed by the union makes the compiler reject a missing or unknown class.
const accountingClassSet: Record<AccountingClass, true> = {
  ok: true,
  'double-charged': true,
  over: true,
  under: true,
  underflow: true,
  iommufd: true,
  unknown: true,
};
export const ACCOUNTING_CLASSES = Object.keys(accountingClassSet) as AccountingClass[];

export function vmFamilies(model: MetricsReadModel): MetricFamily[] {
  const families: MetricFamily[] = [];
  const vms = () => model.latestCycle()?.vms ?? [];

  families.push(gaugeFamily({
    name: 'pinwatch_vm_info',
    help:
      'Always 1; identity of the VM: uuid (libvirt, else QEMU -uuid), VFIO backend (type1, iommufd), comm, vIOMMU model, ' +
      'and who runs it: orchestrator (libvirt, openstack, kubevirt, proxmox, none), libvirt domain, KubeVirt namespace and VMI, ' +
      'Proxmox vmid, OpenStack Nova instance name, flavor, project and user.',
    labelNames: [
      'vm',
      'uuid',
      'backend',
      'comm',
      'viommu',
      'orchestrator',
      'domain',
      'namespace',
      'vmi',
      'vmid',
      'nova_instance',
      'nova_flavor',
      'project',
      'user',
    ],
    fill: (emit) => {
      for (const { analysis, process } of vms()) {
        const who = analysis.orchestrator;
        emit(
          {
            vm: analysis.vmName,
            uuid: who?.uuid ?? process.qemu?.uuid ?? '',
            backend: process.backend,
            comm: process.comm,
            viommu: process.qemu?.viommu ?? '',
            orchestrator: who?.kind ?? 'none',
            domain: who?.domain ?? '',
            namespace: who?.namespace ?? '',
            vmi: who?.vmi ?? '',
            vmid: who?.vmid === null || who?.vmid === undefined ? '' : String(who.vmid),
            nova_instance: who?.novaInstance ?? '',
            nova_flavor: who?.novaFlavor ?? '',
            project: who?.project ?? '',
            user: who?.user ?? '',
          },
          1,
        );
      }
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_vm_orchestrator_memlock_limit_bytes',
    help:
      "RLIMIT_MEMLOCK libvirt's rule gives the VM's domain (qemuDomainGetMemLockLimitBytes: hard_limit, else factor x RAM + 1 GiB); " +
      '+Inf for <locked/>; absent when no libvirt domain matched or the rule sets none.',
    labelNames: ['vm', 'rule'],
    fill: (emit) => {
      for (const { analysis } of vms()) {
        const rule = analysis.orchestrator?.libvirtMemlock;
        if (!rule) continue;
        if (rule.limitBytes !== null) emit({ vm: analysis.vmName, rule: rule.rule }, rule.limitBytes);
        else if (rule.rule === 'locked') emit({ vm: analysis.vmName, rule: rule.rule }, Infinity);
      }
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_vm_guest_memory_bytes',
    help: 'Guest RAM from the QEMU command line (-m, else memory-backend sizes).',
    labelNames: ['vm'],
    fill: (emit) => {
      for (const { analysis } of vms()) {
        if (analysis.guestMemoryBytes !== null) emit({ vm: analysis.vmName }, analysis.guestMemoryBytes);
      }
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_vm_dma_address_spaces',
    help: 'Separate DMA address spaces VFIO maps guest RAM into: 1 without a vIOMMU, one per device with one.',
    labelNames: ['vm'],
    fill: (emit) => {
      for (const { analysis } of vms()) emit({ vm: analysis.vmName }, analysis.dmaAddressSpaces);
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_vm_vfio_devices',
    help: 'VFIO devices passed to the VM (vfio-pci on the command line, else groups held).',
    labelNames: ['vm'],
    fill: (emit) => {
      for (const { analysis, process } of vms()) emit({ vm: analysis.vmName }, vfioDeviceCount(process));
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_vm_expected_locked_memory_bytes',
    help: 'The charge VFIO should make: guest RAM x DMA address spaces.',
    labelNames: ['vm'],
    fill: (emit) => {
      for (const { analysis } of vms()) {
        if (analysis.expectedLockedBytes !== null) emit({ vm: analysis.vmName }, analysis.expectedLockedBytes);
      }
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_vm_memlock_headroom_bytes',
    help: 'Soft RLIMIT_MEMLOCK minus VmLck; negative when over; absent when unlimited or when VmLck underflowed.',
    labelNames: ['vm'],
    fill: (emit) => {
      for (const { analysis } of vms()) {
        if (analysis.memlockHeadroomBytes !== null) emit({ vm: analysis.vmName }, analysis.memlockHeadroomBytes);
      }
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_vm_memlock_used_ratio',
    help: 'VmLck divided by the soft RLIMIT_MEMLOCK; absent when unlimited or when VmLck underflowed.',
    labelNames: ['vm'],
    fill: (emit) => {
      for (const { analysis } of vms()) {
        // A soft limit of 0 with pages locked gives +Inf: kept, it is the truth.
        if (analysis.memlockUsedRatio !== null) emit({ vm: analysis.vmName }, analysis.memlockUsedRatio);
      }
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_vm_accounting_class',
    help: '1 for the class VmLck falls in against expected (ok, double-charged, over, under, underflow, iommufd, unknown), 0 for the others.',
    labelNames: ['vm', 'class'],
    fill: (emit) => {
      for (const { analysis } of vms()) {
        for (const accountingClass of ACCOUNTING_CLASSES) {
          emit({ vm: analysis.vmName, class: accountingClass }, accountingClass === analysis.accountingClass ? 1 : 0);
        }
      }
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_vm_finding',
    help: '1 for each finding currently open on the VM.',
    labelNames: ['vm', 'kind', 'severity'],
    fill: (emit) => {
      for (const { analysis } of vms()) {
        for (const finding of analysis.findings) {
          emit({ vm: analysis.vmName, kind: finding.kind, severity: finding.severity }, 1);
        }
      }
    },
  }));
  return families;
}
