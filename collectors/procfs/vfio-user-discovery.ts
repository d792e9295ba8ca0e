import type { ProcStatus } from './parse-proc-status.js';

/**
 * comm prefixes of programs that use VFIO: QEMU, cloud-hypervisor (comm is
 * truncated to 15 bytes: "cloud-hyperviso"), crosvm, Firecracker, kvmtool
 * (lkvm), DPDK apps (dpdk-testpmd, ...), SPDK (spdk_tgt, spdk_nvme_...),
 * and tools named vfio*.
 */
const KNOWN_VFIO_PROGRAM_PREFIXES = ['qemu', 'cloud-hypervis', 'crosvm', 'firecracker', 'kvmtool', 'lkvm', 'dpdk-', 'spdk', 'vfio'];

export function isKnownVfioProgram(comm: string): boolean {
  return KNOWN_VFIO_PROGRAM_PREFIXES.some((prefix) => comm.startsWith(prefix));
}

/** Why a process's fds are read this cycle (for tests and debugging). */
export type FdScanReason = 'full-sweep' | 'new-pid' | 'was-vfio-user' | 'locked-or-pinned' | 'known-program';

/**
 * Which processes get their fds read. Reading every fd link of every process
 * every cycle costs one readlink per fd (tens of thousands on a busy host),
 * so only candidates are read:
 * - anything with VmLck or VmPin > 0: type1 charges locked_vm for every pinned
 *   page (vfio_lock_acct), iommufd pinned_vm (docs/kernel.md);
 * - known VFIO programs by comm;
 * - pids that were VFIO users last cycle (to see them close their handles);
 * - pids not seen last cycle (a new process that opened a group but has not
 *   mapped anything yet still shows VmLck 0);
 * - every process on a full sweep (first cycle, then every fullScanIntervalMs);
 * never a process without an mm (kernel threads) unless it was a VFIO user.
 * The state lives in the instance (one per collector), never in the module.
 */
export class VfioUserDiscovery {
  private previousPids: ReadonlySet<number> = new Set();
  private previousVfioUsers: ReadonlySet<number> = new Set();
  private lastFullSweepMs: number | null = null;
  private sweepThisCycle = false;
  private cycleIndex = 0;

  /**
   * @param statusRereadCycles a known process that is not a VFIO user has its status read
   *   once every this many cycles (pid modulo this, rotating), not every cycle: the steady
   *   cycle reads the VMs, the new pids and one slice of the rest. A process that starts
   *   charging (VmLck/VmPin > 0) is therefore seen within this many cycles.
   */
  constructor(
    private readonly fullScanIntervalMs: number,
    private readonly statusRereadCycles: number = 1,
  ) {}

  /** Start a cycle; returns whether it is a full sweep. */
  beginCycle(nowMs: number): boolean {
    this.sweepThisCycle = this.lastFullSweepMs === null || nowMs - this.lastFullSweepMs >= this.fullScanIntervalMs;
    this.cycleIndex += 1;
    return this.sweepThisCycle;
  }

  /**
   * Whether this process's status is read this cycle: always on a full sweep, for last
   * cycle's VFIO users, for pids not seen last cycle and for `hinted` pids (an eBPF open
   * probe saw them open a VFIO or iommufd file); the other known pids in rotating slices.
   */
  readsStatus(pid: number, hinted = false): boolean {
    if (this.sweepThisCycle || hinted) return true;
    if (this.previousVfioUsers.has(pid) || !this.previousPids.has(pid)) return true;
    return pid % this.statusRereadCycles === this.cycleIndex % this.statusRereadCycles;
  }

  /** Why this process's fds should be read, or null to skip it. */
  fdScanReason(pid: number, status: ProcStatus): FdScanReason | null {
    const wasVfioUser = this.previousVfioUsers.has(pid);
    // No Vm* lines: no mm (task_mem() is only printed with one). That is a
    // kernel thread (kthreads have no user fds: one in five processes on a
    // typical host, an fd-directory listing each on every sweep) or a task
    // past exit_mm() in do_exit(). exit_files() comes after exit_mm(), so a
    // VFIO user on its way out can still hold its fds (and its pins, until
    // the last fd's release unpins): one that was known is still read.
    if (!wasVfioUser && status.lockedBytes === null && status.pinnedBytes === null) return null;
    if (this.sweepThisCycle) return 'full-sweep';
    if (wasVfioUser) return 'was-vfio-user';
    if ((status.lockedBytes ?? 0) > 0 || (status.pinnedBytes ?? 0) > 0) return 'locked-or-pinned';
    if (isKnownVfioProgram(status.name)) return 'known-program';
    if (!this.previousPids.has(pid)) return 'new-pid';
    return null;
  }

  /** End a cycle that completed its scan: remember what it saw. */
  endCycle(nowMs: number, seenPids: ReadonlySet<number>, vfioUserPids: ReadonlySet<number>): void {
    this.previousPids = seenPids;
    this.previousVfioUsers = vfioUserPids;
    if (this.sweepThisCycle) this.lastFullSweepMs = nowMs;
  }
}
