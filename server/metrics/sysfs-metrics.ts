/** IOMMU groups, vfio-pci devices and VFIO module parameters from /sys. */
import type { CycleResult } from '../../model/cycle.js';
import type { MetricsReadModel } from './metrics-read-model.js';
import { gaugeFamily, type MetricFamily } from './metric-family.js';

/**
 * Which VM holds each vfio-pci device: by the IOMMU groups it holds open
 * (type1), else by the host= address on its QEMU command line (cdev users
 * hold no group fd).
 */
export function vmNameByPciAddress(cycle: CycleResult): Map<string, string> {
  const vmByGroup = new Map<number, string>();
  const vmByAddress = new Map<string, string>();
  for (const { analysis, process } of cycle.vms) {
    for (const group of process.iommuGroups) vmByGroup.set(group, analysis.vmName);
    for (const device of process.qemu?.vfioDevices ?? []) {
      if (device.hostAddress !== null) vmByAddress.set(device.hostAddress, analysis.vmName);
    }
  }
  const result = new Map<string, string>();
  for (const device of cycle.sample.sysfs?.vfioPciDevices ?? []) {
    const byGroup = device.iommuGroup === null ? undefined : vmByGroup.get(device.iommuGroup);
    const vm = byGroup ?? vmByAddress.get(device.address);
    if (vm !== undefined) result.set(device.address, vm);
  }
  return result;
}

export function sysfsFamilies(model: MetricsReadModel): MetricFamily[] {
  const families: MetricFamily[] = [];
  const sysfs = () => model.latestCycle()?.sample.sysfs ?? null;

  families.push(gaugeFamily({
    name: 'pinwatch_iommu_groups',
    help: "IOMMU groups on the host (/sys/kernel/iommu_groups).",
    labelNames: [],
    fill: (emit) => {
      const current = sysfs();
      if (current) emit({}, current.iommuGroups.size);
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_vfio_pci_device_info',
    help: 'Always 1 for each PCI device bound to vfio-pci; vm is the VM holding its group, empty when none.',
    labelNames: ['address', 'vendor', 'device', 'class', 'iommu_group', 'vm'],
    fill: (emit) => {
      const cycle = model.latestCycle();
      if (!cycle?.sample.sysfs) return;
      const vmByAddress = vmNameByPciAddress(cycle);
      for (const device of cycle.sample.sysfs.vfioPciDevices) {
        emit(
          {
            address: device.address,
            vendor: device.vendorId,
            device: device.deviceId,
            class: device.classCode,
            iommu_group: device.iommuGroup === null ? '' : String(device.iommuGroup),
            vm: vmByAddress.get(device.address) ?? '',
          },
          1,
        );
      }
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_vfio_dma_entry_limit',
    help: 'vfio_iommu_type1 dma_entry_limit: DMA mappings allowed per container; absent when the module is not loaded.',
    labelNames: [],
    fill: (emit) => {
      const limit = sysfs()?.dmaEntryLimit ?? null;
      if (limit !== null) emit({}, limit);
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_iommufd_present',
    help: '1 when /dev/iommu exists or the iommufd module is loaded.',
    labelNames: [],
    fill: (emit) => {
      const current = sysfs();
      if (current) emit({}, current.iommufdDevicePresent || current.iommufdLoaded ? 1 : 0);
    },
  }));
  return families;
}
