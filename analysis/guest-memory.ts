import type { QemuIdentity, VfioProcessSample } from '../model/host-sample.js';

/**
 * Guest RAM from the QEMU command line: `-m` when given (QEMU's initial RAM),
 * else the sum of the memory-backend objects' sizes (a NUMA guest made only of
 * backends). null when unknown (not QEMU, or nothing sized).
 */
export function guestMemoryBytes(qemu: QemuIdentity | null): number | null {
  if (!qemu) return null;
  if (qemu.memoryBytes !== null) return qemu.memoryBytes;
  const sized = qemu.memoryBackends.filter((b) => b.sizeBytes !== null);
  if (sized.length === 0) return null;
  return sized.reduce((sum, b) => sum + (b.sizeBytes ?? 0), 0);
}

/** VFIO devices given to the VM: vfio-pci on the command line, else the IOMMU groups it holds. */
export function vfioDeviceCount(process: VfioProcessSample): number {
  const fromCommandLine = process.qemu?.vfioDevices.length ?? 0;
  return fromCommandLine > 0 ? fromCommandLine : process.iommuGroups.length;
}

/**
 * Separate DMA address spaces VFIO maps guest RAM into. Without a vIOMMU QEMU
 * puts every device in one container (one address space: guest RAM charged
 * once). With a vIOMMU each device gets its own address space and container,
 * so vfio_pin_pages_remote charges guest RAM once per device (docs/kernel.md).
 */
export function dmaAddressSpaces(process: VfioProcessSample): number {
  const qemu = process.qemu;
  if (!qemu?.viommu) return 1;
  const bridges = new Set(qemu.conventionalPciBridges ?? []);
  if (qemu.vfioDevices.length === 0 || bridges.size === 0) return Math.max(1, vfioDeviceCount(process));
  // Devices behind one conventional PCI bridge (libvirt puts conventional PCI
  // hostdevs on a pcie-pci-bridge) share the bridge's requester id, so QEMU gives
  // them one IOMMU address space and one container (hw/pci/pci.c
  // pci_device_iommu_address_space; hw/vfio/common.c vfio_get_address_space).
  // Measured with libvirt 9.0: two edu hostdevs on pci.3, VmLck = 1 x guest RAM.
  const spaces = new Set(qemu.vfioDevices.map((device, index) => (device.bus && bridges.has(device.bus) ? `bridge:${device.bus}` : `device:${index}`)));
  return spaces.size;
}
