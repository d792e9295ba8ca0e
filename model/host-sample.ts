/**
 * What one collection cycle reads off a hypervisor: the contract between the
 * collectors (which produce it), the analysis (which judges it), the store
 * (which keeps its changes) and the server (which exports it).
 *
 * Every quantity carries its unit in its name. Byte counts are JS numbers: the
 * largest real value (an underflowed locked_vm, see DOMAIN.md section 1) is
 * near 2^74 bytes and only needs to be recognisably huge, not exact.
 */

/** A process is identified by (pid, start time): pids are reused. */
export interface ProcessIdentity {
  pid: number;
  /** Field 22 of /proc/PID/stat, clock ticks after boot. */
  startTimeTicks: number;
}

/** How a process reaches VFIO, from `readlink /proc/PID/fd/*`. */
export type VfioHandleKind =
  | 'container' // /dev/vfio/vfio (type1 container, or iommufd's compat container)
  | 'group' // /dev/vfio/N
  | 'device-cdev' // /dev/vfio/devices/vfioN
  | 'iommufd' // /dev/iommu
  | 'device-fd'; // anon_inode:[vfio-device] (device fd from VFIO_GROUP_GET_DEVICE_FD)

export interface VfioHandle {
  kind: VfioHandleKind;
  /** The link target as the kernel printed it. */
  target: string;
  /** IOMMU group number for kind 'group'. */
  iommuGroup?: number;
}

/**
 * Which accounting path pins this process's DMA memory.
 * type1: vfio_iommu_type1 charges mm->locked_vm (VmLck).
 * iommufd: /dev/iommu or vfio cdevs; charges mm->pinned_vm (VmPin) always, and
 * VmLck only in IOPT_PAGES_ACCOUNT_MM mode.
 */
export type VfioBackend = 'type1' | 'iommufd' | 'unknown';

/** RLIMIT_MEMLOCK from /proc/PID/limits, row "Max locked memory". null = unlimited. */
export interface MemlockLimit {
  softBytes: number | null;
  hardBytes: number | null;
}

export interface QemuMemoryBackend {
  id: string | null;
  /** memory-backend-ram, memory-backend-file, memory-backend-memfd, ... */
  type: string;
  sizeBytes: number | null;
}

export interface QemuVfioDevice {
  /** PCI address from host=, normalised to 0000:BB:DD.F; null when given by sysfsdev. */
  hostAddress: string | null;
  sysfsdev: string | null;
  id: string | null;
}

export type ViommuModel = 'intel-iommu' | 'virtio-iommu' | 'amd-iommu';

/** What a QEMU command line says about the guest. */
export interface QemuIdentity {
  guestName: string | null;
  uuid: string | null;
  /** -m size (initial guest RAM), bytes. */
  memoryBytes: number | null;
  /** -m maxmem= (hotpluggable ceiling), bytes. */
  maxMemoryBytes: number | null;
  memoryBackends: QemuMemoryBackend[];
  /** -overcommit mem-lock=on (or legacy -realtime mlock=on): QEMU mlock()s guest RAM. */
  memLock: boolean;
  vfioDevices: QemuVfioDevice[];
  viommu: ViommuModel | null;
}

/** One VFIO user as /proc shows it. */
export interface VfioProcessSample extends ProcessIdentity {
  comm: string;
  /** Real uid (first field of the Uid: line). */
  uid: number;
  /** VmLck: mm->locked_vm. */
  lockedBytes: number;
  /** VmPin: mm->pinned_vm. */
  pinnedBytes: number;
  /** VmRSS. */
  residentBytes: number;
  /** CAP_IPC_LOCK in CapEff: RLIMIT_MEMLOCK is not enforced for this process. */
  hasCapIpcLock: boolean;
  memlockLimit: MemlockLimit;
  handles: VfioHandle[];
  /** IOMMU groups held open, sorted. */
  iommuGroups: number[];
  backend: VfioBackend;
  /** argv from /proc/PID/cmdline. */
  cmdline: string[];
  /** Parsed when the process is QEMU; null otherwise. */
  qemu: QemuIdentity | null;
  /**
   * The files of this process that could not be read or parsed this cycle
   * (file, reason, message). Absent or empty: the read was complete.
   */
  readErrors?: CollectorError[];
  /** Fields holding the last good value of an earlier cycle, because this cycle's file failed. */
  staleFields?: ProcessReadField[];
  /**
   * Fields never read well for this process: their value is a placeholder
   * (0; a memlockLimit of nulls that must not be read as unlimited; an empty
   * cmdline with no QEMU identity).
   */
  unknownFields?: ProcessReadField[];
}

/** The per-process values a failed file can leave stale or unknown. */
export type ProcessReadField =
  | 'startTimeTicks'
  | 'uid'
  | 'lockedBytes'
  | 'pinnedBytes'
  | 'residentBytes'
  | 'hasCapIpcLock'
  | 'memlockLimit'
  | 'cmdline';

/** true when every file of the process read and parsed this cycle. */
export function isReadComplete(process: VfioProcessSample): boolean {
  return (process.readErrors?.length ?? 0) === 0 && (process.staleFields?.length ?? 0) === 0 && (process.unknownFields?.length ?? 0) === 0;
}

export interface PciDevice {
  /** 0000:BB:DD.F */
  address: string;
  vendorId: string; // "0x1234"
  deviceId: string;
  classCode: string; // "0x00ff00"
  driver: string | null;
  iommuGroup: number | null;
}

export interface SysfsSample {
  /** group number -> device addresses */
  iommuGroups: Map<number, string[]>;
  /** PCI devices bound to vfio-pci. */
  vfioPciDevices: PciDevice[];
  /** /sys/module/vfio_iommu_type1/parameters/dma_entry_limit; null when the module is not loaded. */
  dmaEntryLimit: number | null;
  vfioType1Loaded: boolean;
  iommufdLoaded: boolean;
  /** /dev/iommu exists (read under the configured devfs root). */
  iommufdDevicePresent: boolean;
}

export interface MeminfoSample {
  memTotalBytes: number;
  memAvailableBytes: number | null;
  /** Hugetlb pool: HugePages_Total x Hugepagesize. */
  hugetlbTotalBytes: number;
}

/** A collector could not read or parse something. Counted, logged, never fatal. */
export interface CollectorError {
  collector: string;
  /** Stable, low-cardinality reason for the metric label: vanished, malformed, permission, io. */
  reason: 'vanished' | 'malformed' | 'permission' | 'io';
  /** The file (as a host path) or object the error is about. */
  path: string;
  message: string;
}

export interface CollectorRun {
  collector: string;
  success: boolean;
  durationSeconds: number;
  /** Why the collector failed (what it threw), when success is false. */
  errorMessage?: string;
}

export interface MonotonicWindow {
  startMs: number;
  endMs: number;
}

/** Everything one cycle saw. */
export interface HostSample {
  takenAtMs: number;
  /** /proc/sys/kernel/random/boot_id: process identities are per boot. */
  bootId: string;
  /** Linux tick rate used to turn startTimeTicks into time (sysconf(_SC_CLK_TCK), 100 on Linux). */
  clockTicksPerSecond: number;
  /** /proc/uptime at sample time, for turning start ticks into wall-clock. */
  uptimeSeconds: number | null;
  kernelRelease: string | null;
  processes: VfioProcessSample[];
  /**
   * When the vfio_users collector read the processes' status files, on CLOCK_MONOTONIC in
   * ms (process.hrtime): every VmLck of this cycle was read within [startMs, endMs].
   * null when no process was read.
   */
  processesReadMonotonicMs: MonotonicWindow | null;
  sysfs: SysfsSample | null;
  meminfo: MeminfoSample | null;
  /** How many /proc/PID entries were looked at (for the bench and self-metrics). */
  processesScanned: number;
  /** Counters from the eBPF probes; null when the eBPF collector is disabled. */
  ebpf: import('./ebpf-counters.js').EbpfSnapshot | null;
  /** Kernel log records recognised since the previous cycle. */
  kernelLogEvents: KernelLogEvent[];
  errors: CollectorError[];
  runs: CollectorRun[];
}

/** A kernel log record pinwatch recognised (DOMAIN.md section 2 and 4). */
export interface KernelLogEvent {
  kind: 'memlock_exceeded' | 'external_memlock_exceeded' | 'iommufd_compat';
  /** Wall-clock time of the record in whole ms (the store's INTEGER column), from its monotonic timestamp and boot time. */
  atMs: number;
  /** Monotonic microseconds since boot, as /dev/kmsg gives it. */
  monotonicUs: number;
  /** kmsg sequence number: dedupes across restarts. */
  sequence: number;
  /** The RLIMIT_MEMLOCK in bytes the record quotes, when it does. */
  limitBytes: number | null;
  /** vfio_pin_page_external names the task: "Task C (PID)". */
  comm: string | null;
  pid: number | null;
  /** true when the record was logged before pinwatch started following the log. */
  beforeStart: boolean;
  message: string;
}
