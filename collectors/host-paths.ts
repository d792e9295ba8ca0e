import path from 'node:path';

/**
 * Every host path goes through these roots (node_exporter's --path.procfs /
 * --path.sysfs / --path.rootfs), so every collector runs on a fixture tree.
 * No collector may name /proc, /sys or /dev literally.
 */
export interface HostPaths {
  procfs: string;
  sysfs: string;
  /** Root under which /dev lives (for /dev/iommu, /dev/kmsg, /dev/vfio). */
  devfs: string;
  /**
   * Root under which /run lives (libvirt's live domain XML, /run/libvirt/qemu);
   * --path.runfs, default /run. Optional so older HostPaths literals still
   * compile; when absent nothing under it is read (never the real /run by accident).
   */
  runfs?: string;
  /** Root under which /etc lives (Proxmox VE's /etc/pve/qemu-server); --path.etcfs, default /etc. Absent: not read. */
  etcfs?: string;
}

export const defaultHostPaths: HostPaths = { procfs: '/proc', sysfs: '/sys', devfs: '/dev', runfs: '/run', etcfs: '/etc' };

export function procPath(paths: HostPaths, ...parts: string[]): string {
  return path.join(paths.procfs, ...parts);
}

export function sysPath(paths: HostPaths, ...parts: string[]): string {
  return path.join(paths.sysfs, ...parts);
}

export function devPath(paths: HostPaths, ...parts: string[]): string {
  return path.join(paths.devfs, ...parts);
}

/** A path under the runfs root; null when no runfs root is configured. */
export function runPath(paths: HostPaths, ...parts: string[]): string | null {
  return paths.runfs === undefined ? null : path.join(paths.runfs, ...parts);
}

/** A path under the etcfs root; null when no etcfs root is configured. */
export function etcPath(paths: HostPaths, ...parts: string[]): string | null {
  return paths.etcfs === undefined ? null : path.join(paths.etcfs, ...parts);
}
