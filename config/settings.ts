/**
 * Every setting that can come from a flag or the environment, in one table:
 * its path in the config file, its flag (Prometheus style, dotted), its
 * PINWATCH_* variable, and how to read the text. The CLI builds its --help
 * from this table, so flags, variables and file keys cannot drift apart.
 */
export type SettingKind = 'string' | 'boolean' | 'number';

export interface Setting {
  /** Path in the config file, e.g. ['web', 'listenAddress']. */
  path: readonly string[];
  flag: string;
  env: string;
  kind: SettingKind;
  description: string;
}

function setting(path: readonly string[], flag: string, kind: SettingKind, description: string): Setting {
  const env = `PINWATCH_${flag.replace(/[.-]/g, '_').toUpperCase()}`;
  return { path, flag, env, kind, description };
}

export const SETTINGS: readonly Setting[] = [
  setting(['web', 'listenAddress'], 'web.listen-address', 'string', 'address to serve /metrics and the API on (default 0.0.0.0:9477)'),
  setting(['web', 'configFile'], 'web.config.file', 'string', 'exporter-toolkit web configuration file: TLS, basic auth, headers (as node_exporter reads it)'),
  setting(['db', 'path'], 'db.path', 'string', 'SQLite database file (default var/pinwatch.db)'),
  setting(['db', 'retention'], 'db.retention', 'string', 'how long history is kept (default 30d)'),
  setting(['db', 'keepAlive'], 'db.keep-alive', 'string', 'store a sample at least this often even when nothing changed (default 30m)'),
  setting(['path', 'procfs'], 'path.procfs', 'string', 'procfs mountpoint (default /proc)'),
  setting(['path', 'sysfs'], 'path.sysfs', 'string', 'sysfs mountpoint (default /sys)'),
  setting(['path', 'devfs'], 'path.devfs', 'string', 'devfs mountpoint, for /dev/iommu and /dev/kmsg (default /dev)'),
  setting(['path', 'runfs'], 'path.runfs', 'string', 'root of /run, for libvirt\'s live domain XML in /run/libvirt/qemu (default /run)'),
  setting(['path', 'etcfs'], 'path.etcfs', 'string', 'root of /etc, for Proxmox VE\'s /etc/pve/qemu-server (default /etc)'),
  setting(['collection', 'interval'], 'collection.interval', 'string', 'time between collection cycles (default 15s)'),
  setting(['collection', 'fullScanInterval'], 'collection.full-scan-interval', 'string', 'time between fd sweeps of every process (default 5m)'),
  setting(['collector', 'host'], 'collector.host', 'boolean', 'enable the host collector (boot id, meminfo)'),
  setting(['collector', 'vfio_users'], 'collector.vfio_users', 'boolean', 'enable the VFIO users collector (/proc)'),
  setting(['collector', 'sysfs'], 'collector.sysfs', 'boolean', 'enable the sysfs collector (IOMMU groups, vfio-pci)'),
  setting(['collector', 'ebpf'], 'collector.ebpf', 'boolean', 'enable the eBPF collector (bpftrace child)'),
  setting(['collector', 'kernel_log'], 'collector.kernel_log', 'boolean', 'enable the kernel log collector (/dev/kmsg)'),
  setting(['collector', 'libvirt'], 'collector.libvirt', 'boolean', 'enable the libvirt collector (live domain XML)'),
  setting(['collector', 'orchestrator'], 'collector.orchestrator', 'boolean', 'enable the orchestrator collector (KubeVirt pod cgroups, Proxmox VE configs)'),
  setting(['ebpf', 'source'], 'ebpf.source', 'string', 'auto, bpftrace, off, or replay:FILE (default auto)'),
  setting(['ebpf', 'printInterval'], 'ebpf.print-interval', 'string', 'how often bpftrace prints its maps (default 5s)'),
  setting(['ebpf', 'leakGrace'], 'ebpf.leak-grace', 'string', 'how long after a VM exits its pins may still be released before it counts as a leak (default 60s)'),
  setting(['ebpf', 'perPageProbes'], 'ebpf.per-page-probes', 'boolean', 'also probe per-page functions (costly: one call per 4 KiB page)'),
  setting(['analysis', 'overheadAllowance'], 'analysis.overhead-allowance', 'string', 'VmLck above expected tolerated for QEMU itself (default 1GiB)'),
  setting(['analysis', 'headroomWarning'], 'analysis.headroom-warning', 'string', 'RLIMIT_MEMLOCK headroom below which a VM gets a warning (default 256MiB)'),
  setting(['log', 'level'], 'log.level', 'string', 'fatal, error, warn, info, debug, trace or silent (default info)'),
];
