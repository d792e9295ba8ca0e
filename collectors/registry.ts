/**
 * The one place collectors are registered (node_exporter's registerCollector):
 * name, whether it runs by default, a one-line description for --help, and a
 * factory. Adding a collector = one file + one entry in COLLECTOR_REGISTRY.
 * The list order is the order collectors run in each cycle.
 */
import type { CollectorName } from '../model/store.js';
import type { Clock } from './clock.js';
import type { Collector } from './collector.js';
import { CollectorErrorLog, logCollectorErrors } from './collector-error-log.js';
import type { HostPaths } from './host-paths.js';
import { OffThreadCollector, type OffThreadCollection } from './off-thread-collector.js';
import type { HostSampleDraft } from './collector.js';
import type { Logger } from '../model/logger.js';
import { EBPF_COLLECTOR_NAME, createEbpfCollector, type EbpfSourceSetting } from './ebpf/ebpf-collector.js';
import { KERNEL_LOG_COLLECTOR_NAME, createKernelLogCollector } from './kernel-log/kernel-log-collector.js';
import { HOST_COLLECTOR_NAME, HostCollector } from './procfs/host-collector.js';
import { VFIO_USERS_COLLECTOR_NAME, VfioUsersCollector, vfioUsersOptionsFrom } from './procfs/vfio-users-collector.js';
import { SYSFS_COLLECTOR_NAME, SysfsCollector } from './sysfs/sysfs-collector.js';
import { LIBVIRT_COLLECTOR_NAME, LibvirtCollector } from './libvirt/libvirt-collector.js';
import { ORCHESTRATOR_COLLECTOR_NAME, OrchestratorCollector } from './orchestrator/orchestrator-collector.js';

/**
 * Settings collectors read, as the daemon gets them from the config. Each
 * collector reads (and validates) its own keys; unknown keys are ignored so
 * collectors can add theirs without touching this file.
 */
export interface CollectorOptions {
  /** vfio_users: ms between fd sweeps of every process (collection.fullScanInterval, default 5 min). */
  fullScanIntervalMs?: number;
  /** ebpf: 'bpftrace', 'off' or 'replay:FILE' (--ebpf.source; 'auto' is mapped to 'bpftrace', which reports off with the reason when it cannot run). */
  ebpfSource?: EbpfSourceSetting;
  /** ebpf: seconds between bpftrace map prints (--ebpf.print-interval). */
  ebpfPrintIntervalSeconds?: number;
  /** ebpf: opt-in per-page probes (--ebpf.per-page-probes). */
  ebpfPerPageProbes?: boolean;
  readonly [option: string]: unknown;
}

export interface CollectorDeps {
  paths: HostPaths;
  clock: Clock;
  logger: Logger;
  options: CollectorOptions;
  /**
   * Where collectors marked `offThread` run (serve: daemon/collection-worker.ts, so the
   * HTTP thread never waits for a /proc sweep). Absent: every collector runs in this thread.
   */
  offThread?: OffThreadCollection | null;
}

export interface CollectorRegistration {
  name: CollectorName;
  defaultEnabled: boolean;
  description: string;
  create(deps: CollectorDeps): Collector;
  /**
   * Set on the collectors that only read files (no child process, no stream): they may run
   * on the collection thread, and these are the draft fields they fill (copied back).
   */
  offThread?: { fills: readonly (keyof HostSampleDraft)[] };
}

export const hostCollectorRegistration: CollectorRegistration = {
  name: HOST_COLLECTOR_NAME,
  defaultEnabled: true,
  description: 'boot id, uptime, kernel release and meminfo from procfs',
  create: () => new HostCollector(),
  offThread: { fills: ['bootId', 'uptimeSeconds', 'kernelRelease', 'meminfo'] },
};

export const vfioUsersCollectorRegistration: CollectorRegistration = {
  name: VFIO_USERS_COLLECTOR_NAME,
  defaultEnabled: true,
  description: 'processes holding VFIO handles: VmLck, VmPin, RLIMIT_MEMLOCK, QEMU identity',
  create: (deps) => new VfioUsersCollector(deps.clock, vfioUsersOptionsFrom(deps.options)),
  offThread: { fills: ['processes', 'processesReadMonotonicMs', 'processesScanned'] },
};

export const sysfsCollectorRegistration: CollectorRegistration = {
  name: SYSFS_COLLECTOR_NAME,
  defaultEnabled: true,
  description: 'IOMMU groups, devices bound to vfio-pci, dma_entry_limit, iommufd presence',
  create: () => new SysfsCollector(),
  offThread: { fills: ['sysfs'] },
};

export const ebpfCollectorRegistration: CollectorRegistration = {
  name: EBPF_COLLECTOR_NAME,
  defaultEnabled: true,
  description: 'pages pinned, charged and released per VM, from a supervised bpftrace child (or a replay file)',
  create: (deps) =>
    createEbpfCollector({
      source: deps.options.ebpfSource ?? 'bpftrace',
      paths: deps.paths,
      logger: deps.logger,
      nowMs: () => deps.clock.nowMs(),
      monotonicMs: () => deps.clock.monotonicMs(),
      intervalSeconds: deps.options.ebpfPrintIntervalSeconds ?? 5,
      perPageProbes: deps.options.ebpfPerPageProbes ?? false,
    }),
};

export const kernelLogCollectorRegistration: CollectorRegistration = {
  name: KERNEL_LOG_COLLECTOR_NAME,
  defaultEnabled: true,
  description: 'RLIMIT_MEMLOCK exceeded and iommufd compat records from /dev/kmsg',
  create: (deps) => createKernelLogCollector({ paths: deps.paths, logger: deps.logger, nowMs: () => deps.clock.nowMs() }),
};

export const libvirtCollectorRegistration: CollectorRegistration = {
  name: LIBVIRT_COLLECTOR_NAME,
  defaultEnabled: true,
  description: "running libvirt domains from their live XML (<runfs>/libvirt/qemu): name, uuid, memtune, hostdevs, vIOMMU, Nova metadata",
  create: () => new LibvirtCollector(),
};

/** Runs after vfio_users: it reads the cgroup and Proxmox config of the VFIO users found this cycle. */
export const orchestratorCollectorRegistration: CollectorRegistration = {
  name: ORCHESTRATOR_COLLECTOR_NAME,
  defaultEnabled: true,
  description: 'per VFIO user: cgroup path (KubeVirt pod uid) and Proxmox VE config (<etcfs>/pve/qemu-server/<vmid>.conf)',
  create: () => new OrchestratorCollector(),
};

/**
 * Every collector pinwatch has, in run order. The eBPF and kernel-log
 * collectors are registered here by their owners: import the registration
 * and add one line (`ebpfCollectorRegistration,`, `kernelLogCollectorRegistration,`).
 */
export const COLLECTOR_REGISTRY: readonly CollectorRegistration[] = [
  hostCollectorRegistration,
  vfioUsersCollectorRegistration,
  sysfsCollectorRegistration,
  ebpfCollectorRegistration,
  kernelLogCollectorRegistration,
  libvirtCollectorRegistration,
  orchestratorCollectorRegistration,
];

/**
 * Build the enabled collectors, in registry order. `enabled` holds explicit
 * flags (collector.<name>: true/false); a registered collector without a flag
 * follows its defaultEnabled. A flag naming no registered collector is a
 * configuration mistake and throws, naming the known collectors.
 */
export function buildEnabledCollectors(
  enabled: Readonly<Record<string, boolean | undefined>>,
  deps: CollectorDeps,
  registry: readonly CollectorRegistration[] = COLLECTOR_REGISTRY,
): Collector[] {
  const known = new Set(registry.map((entry) => entry.name as string));
  const unknown = Object.keys(enabled).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(`unknown collector(s) ${unknown.map((n) => `'${n}'`).join(', ')}; known: ${[...known].join(', ')}`);
  }
  // One log for every collector's errors: each names the file, the line and why, rate-limited per (file, reason).
  const errorLog = new CollectorErrorLog(deps.logger, () => deps.clock.nowMs());
  return registry
    .filter((entry) => enabled[entry.name] ?? entry.defaultEnabled)
    .map((entry) => logCollectorErrors(createCollector(entry, deps), errorLog));
}

/**
 * One collector from its registration: on the collection thread when there is one and the
 * collector may run there (the thread builds it from this same registry, by name), else here.
 */
export function createCollector(entry: CollectorRegistration, deps: CollectorDeps): Collector {
  if (deps.offThread && entry.offThread) {
    // A bad option is a start-up error here, not a failed cycle on the thread.
    if (entry.name === VFIO_USERS_COLLECTOR_NAME) vfioUsersOptionsFrom(deps.options);
    return new OffThreadCollector(entry.name, entry.offThread.fills, deps.offThread);
  }
  return entry.create(deps);
}
