import type { QemuIdentity, VfioProcessSample } from '../../model/host-sample.js';
import type { FdVfioHandle } from './read-vfio-process.js';

/**
 * What vfio_users remembers of a VFIO user between cycles, so that a VM seen
 * last cycle costs status, stat, limits, one fd listing and a readlink per
 * VFIO fd instead of a readlink per open fd, a cmdline read and a QEMU parse.
 *
 * Identity is pid + start time (stat field 22) + comm: a reused pid has
 * another start time; execve keeps both pid and start time but sets a new
 * comm (fs/exec.c begin_new_exec -> __set_task_comm), and the argv changes
 * with it, so a new comm also means "read the cmdline again".
 */
export interface KnownVfioUser {
  startTimeTicks: number;
  comm: string;
  /** Open fd numbers when the fds were last read, in numeric order. */
  openFds: readonly string[];
  /** The VFIO handles among them, in fd order. */
  vfioHandles: readonly FdVfioHandle[];
  /**
   * argv and the QEMU identity parsed from it. A process's argv is set at
   * execve; QEMU never rewrites it (only setproctitle-style daemons do, and
   * those are re-read at the next full sweep).
   */
  cmdline: string[];
  qemu: QemuIdentity | null;
  /** QEMU options that did not parse: reported again every cycle, as when argv was re-read each cycle. */
  cmdlineProblems: readonly string[];
  /**
   * false when the cmdline was blank or unreadable: the identity is then
   * incomplete (no guest name, no -m) and cmdline is read again every cycle
   * until it is whole, not only at the next full sweep.
   */
  cmdlineComplete: boolean;
  /** The sample published last cycle: the last good values a failed file falls back to (stale). */
  lastSample: VfioProcessSample;
}

export function isSameProcess(known: KnownVfioUser, startTimeTicks: number, comm: string): boolean {
  return known.startTimeTicks === startTimeTicks && known.comm === comm;
}

function sameFdNumbers(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Which of a known VFIO user's open fds to readlink this cycle.
 *
 * VFIO handles change only when the VMM opens or closes a group, container,
 * iommufd or device fd (hotplug, unplug, exit). When the open fd numbers are
 * exactly those of the last read, only the fds that were VFIO handles are
 * read again (a handle closed and its number reused by another file within
 * one cycle is seen); any opened or closed fd number means "read them all".
 * A real QEMU holds 50-300 fds (an eventfd per MSI-X vector, vhost, ioeventfds)
 * of which 2-4 per device are VFIO, so this is most of a steady cycle's
 * readlinks on a real hypervisor.
 *
 * Blind spot (until the next full sweep, which reads every fd of every
 * process): within one cycle, a non-VFIO fd closed and its number reused for
 * a new VFIO handle while no other fd number changed. A hotplug also opens
 * eventfds for the device's interrupts, so the set of numbers changes.
 */
export function fdsToReread(known: KnownVfioUser, openFds: readonly string[]): readonly string[] {
  if (!sameFdNumbers(known.openFds, openFds)) return openFds;
  return known.vfioHandles.map((h) => h.fd);
}

/**
 * The VFIO users of the last cycle, by pid. Replaced wholesale at the end of
 * every cycle, so it never holds more than one cycle's VFIO users. State of
 * one collector instance, never module-level.
 */
export class KnownVfioUsers {
  private byPid: ReadonlyMap<number, KnownVfioUser> = new Map();

  get(pid: number): KnownVfioUser | undefined {
    return this.byPid.get(pid);
  }

  replaceWith(thisCycle: ReadonlyMap<number, KnownVfioUser>): void {
    this.byPid = thisCycle;
  }

  get size(): number {
    return this.byPid.size;
  }
}
