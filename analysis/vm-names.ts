import type { VfioProcessSample } from '../model/host-sample.js';

/**
 * The `vm` label: the QEMU guest name, else the comm. Two live processes with
 * the same name (two DPDK apps, say) would merge into one series, so every one
 * but the oldest gets `@<starttime ticks>`: unique and stable for the life of
 * the process, unlike a pid, which the label rules forbid.
 */
export function assignVmNames(processes: readonly VfioProcessSample[]): Map<VfioProcessSample, string> {
  const byBaseName = new Map<string, VfioProcessSample[]>();
  for (const process of processes) {
    const base = process.qemu?.guestName ?? process.comm;
    const group = byBaseName.get(base);
    if (group) group.push(process);
    else byBaseName.set(base, [process]);
  }
  const names = new Map<VfioProcessSample, string>();
  for (const [base, group] of byBaseName) {
    group.sort((a, b) => a.startTimeTicks - b.startTimeTicks || a.pid - b.pid);
    group.forEach((process, index) => {
      names.set(process, index === 0 ? base : `${base}@${process.startTimeTicks}`);
    });
  }
  return names;
}

export function processKey(bootId: string, process: VfioProcessSample): string {
  return `${bootId}:${process.pid}:${process.startTimeTicks}`;
}
