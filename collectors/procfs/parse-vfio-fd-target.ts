import type { VfioBackend, VfioHandle } from '../../model/host-sample.js';

const GROUP_TARGET = /^\/dev\/vfio\/(\d+)$/;
const DEVICE_CDEV_TARGET = /^\/dev\/vfio\/devices\/vfio\d+$/;

/**
 * Classify one `readlink /proc/PID/fd/N` target. The kernel prints the path
 * the file was opened by (d_path), and `anon_inode:[vfio-device]` for a device
 * fd from VFIO_GROUP_GET_DEVICE_FD (drivers/vfio/group.c, anon_inode_getfile).
 * Returns null for anything that is not a VFIO handle.
 *
 * The targets name /dev as the process sees it, not the configured devfs
 * root: that is what the kernel prints, whatever pinwatch's roots are.
 */
export function parseVfioFdTarget(target: string): VfioHandle | null {
  if (target === '/dev/vfio/vfio') return { kind: 'container', target };
  if (target === '/dev/iommu') return { kind: 'iommufd', target };
  if (target === 'anon_inode:[vfio-device]') return { kind: 'device-fd', target };
  if (DEVICE_CDEV_TARGET.test(target)) return { kind: 'device-cdev', target };
  const group = GROUP_TARGET.exec(target);
  if (group?.[1]) return { kind: 'group', target, iommuGroup: Number(group[1]) };
  return null;
}

/**
 * Which accounting path pins this process's DMA memory.
 * iommufd when it holds /dev/iommu or a vfio device cdev (cdevs only bind to
 * an iommufd context, drivers/vfio/device_cdev.c); type1 when it holds a
 * container or a group. A /dev/vfio/vfio served by iommufd's compat layer
 * (CONFIG_IOMMUFD_VFIO_CONTAINER) looks exactly like a type1 container from
 * /proc: only the kernel log ("IOMMUFD is providing /dev/vfio/vfio") tells.
 */
export function vfioBackendOf(handles: readonly VfioHandle[]): VfioBackend {
  if (handles.some((h) => h.kind === 'iommufd' || h.kind === 'device-cdev')) return 'iommufd';
  if (handles.some((h) => h.kind === 'container' || h.kind === 'group')) return 'type1';
  return 'unknown';
}

/** IOMMU groups held open, sorted and deduplicated. */
export function iommuGroupsOf(handles: readonly VfioHandle[]): number[] {
  const groups = new Set<number>();
  for (const handle of handles) if (handle.iommuGroup !== undefined) groups.add(handle.iommuGroup);
  return [...groups].sort((a, b) => a - b);
}
