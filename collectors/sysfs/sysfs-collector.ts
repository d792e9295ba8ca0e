import path from 'node:path';
import type { PciDevice, SysfsSample } from '../../model/host-sample.js';
import type { CollectContext, Collector, HostSampleDraft } from '../collector.js';
import { devPath, type HostPaths, sysPath } from '../host-paths.js';
import { toCollectorError } from '../host-file-error.js';
import { hostPathExists, listHostDir, readHostLink, readHostText } from '../read-host-file.js';
import { parsePciIdAttribute, parseUnsignedAttribute } from './parse-sysfs-attribute.js';

export const SYSFS_COLLECTOR_NAME = 'sysfs';

const PCI_ADDRESS = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

type ReportError = (fallbackPath: string, error: unknown) => void;

/** Directory entries, or [] when the directory does not exist (not present on this host). */
function listIfPresent(dir: string, report: ReportError): string[] {
  if (!hostPathExists(dir)) return [];
  try {
    return listHostDir(dir);
  } catch (error) {
    report(dir, error);
    return [];
  }
}

/** /sys/kernel/iommu_groups/N/devices/BDF (drivers/iommu/iommu.c iommu_group_add_device). */
function readIommuGroups(paths: HostPaths, report: ReportError): Map<number, string[]> {
  const groups = new Map<number, string[]>();
  const root = sysPath(paths, 'kernel', 'iommu_groups');
  const numbers = listIfPresent(root, report).filter((entry) => /^\d+$/.test(entry)).map(Number);
  for (const group of numbers.sort((a, b) => a - b)) {
    const devices = listIfPresent(path.join(root, String(group), 'devices'), report);
    groups.set(group, devices.sort());
  }
  return groups;
}

/** One PCI device bound to vfio-pci, read from /sys/bus/pci/devices/BDF. */
function readVfioPciDevice(paths: HostPaths, address: string): PciDevice {
  const dir = sysPath(paths, 'bus', 'pci', 'devices', address);
  const attribute = (name: string) => {
    const file = path.join(dir, name);
    return parsePciIdAttribute(readHostText(file), file);
  };
  const groupLink = path.join(dir, 'iommu_group');
  // No iommu_group link: the device has no IOMMU (vfio-pci only binds it with noiommu).
  const iommuGroup = hostPathExists(groupLink) ? Number(path.basename(readHostLink(groupLink))) : null;
  return {
    address,
    vendorId: attribute('vendor'),
    deviceId: attribute('device'),
    classCode: attribute('class'),
    driver: 'vfio-pci',
    iommuGroup: iommuGroup !== null && Number.isInteger(iommuGroup) ? iommuGroup : null,
  };
}

/**
 * IOMMU groups, devices bound to vfio-pci, vfio_iommu_type1's dma_entry_limit
 * (docs/kernel.md) and which VFIO backends are present. A missing directory
 * (no IOMMU, module not loaded) is "not present", never an error.
 */
export class SysfsCollector implements Collector {
  readonly name = SYSFS_COLLECTOR_NAME;
  /**
   * Devices bound to vfio-pci last cycle. vendor, device and class are the
   * hardware's (PCI config space) and a device's IOMMU group is fixed while it is
   * present, so a device still bound is not re-read: 5 syscalls per device per
   * cycle saved (a third of the sysfs cycle on a 200-device host). A device that
   * is unbound drops out of the driver directory and of this map.
   */
  private knownDevices = new Map<string, PciDevice>();

  collect(ctx: CollectContext, draft: HostSampleDraft): void {
    const report: ReportError = (fallbackPath, error) =>
      ctx.errors.report(toCollectorError(this.name, fallbackPath, error));
    const { paths } = ctx;

    const driverDir = sysPath(paths, 'bus', 'pci', 'drivers', 'vfio-pci');
    const vfioPciDevices: PciDevice[] = [];
    const stillBound = new Map<string, PciDevice>();
    // The driver dir also holds bind, unbind, new_id, module...: only BDF links are devices.
    for (const address of listIfPresent(driverDir, report).filter((e) => PCI_ADDRESS.test(e)).sort()) {
      try {
        const device = this.knownDevices.get(address) ?? readVfioPciDevice(paths, address);
        stillBound.set(address, device);
        vfioPciDevices.push(device);
      } catch (error) {
        report(sysPath(paths, 'bus', 'pci', 'devices', address), error);
      }
    }
    this.knownDevices = stillBound;

    const type1Dir = sysPath(paths, 'module', 'vfio_iommu_type1');
    const vfioType1Loaded = hostPathExists(type1Dir);
    let dmaEntryLimit: number | null = null;
    if (vfioType1Loaded) {
      const file = path.join(type1Dir, 'parameters', 'dma_entry_limit');
      try {
        dmaEntryLimit = parseUnsignedAttribute(readHostText(file), file);
      } catch (error) {
        report(file, error);
      }
    }

    const sample: SysfsSample = {
      iommuGroups: readIommuGroups(paths, report),
      vfioPciDevices,
      dmaEntryLimit,
      vfioType1Loaded,
      iommufdLoaded: hostPathExists(sysPath(paths, 'module', 'iommufd')),
      iommufdDevicePresent: hostPathExists(devPath(paths, 'iommu')),
    };
    draft.sysfs = sample;
  }
}
