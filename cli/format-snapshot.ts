import { formatBytes } from '../analysis/format-bytes.js';
import type { CycleResult } from '../model/cycle.js';
import type { Severity } from '../model/findings.js';

const SEVERITY_MARK: Record<Severity, string> = { critical: '!!', warning: '! ', info: '- ' };

/**
 * The operator's view at a shell: one row per VFIO user, its findings under it,
 * then the host line. Widths adapt to the data; no colours (it goes to logs too).
 */
export function formatSnapshotTable(result: CycleResult): string {
  const header = ['VM', 'PID', 'BACKEND', 'GUEST RAM', 'EXPECTED', 'VmLck', 'VmPin', 'MEMLOCK SOFT', 'HEADROOM', 'CLASS'];
  const rows = result.vms.map(({ process, analysis }) => [
    analysis.vmName,
    String(process.pid),
    process.backend,
    optionalBytes(analysis.guestMemoryBytes),
    optionalBytes(analysis.expectedLockedBytes),
    analysis.accountingClass === 'underflow' ? 'UNDERFLOW' : formatBytes(process.lockedBytes),
    formatBytes(process.pinnedBytes),
    process.unknownFields?.includes('memlockLimit') ? '?' : process.memlockLimit.softBytes === null ? 'unlimited' : formatBytes(process.memlockLimit.softBytes),
    analysis.memlockHeadroomBytes === null ? '-' : formatBytes(analysis.memlockHeadroomBytes) + (process.hasCapIpcLock ? ' (CAP_IPC_LOCK)' : ''),
    analysis.accountingClass,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  const out: string[] = [line(header)];
  result.vms.forEach((vm, index) => {
    out.push(line(rows[index] ?? []));
    for (const finding of vm.analysis.findings) {
      out.push(`    ${SEVERITY_MARK[finding.severity]} ${finding.severity} ${finding.kind}: ${finding.explanation}`);
    }
    for (const error of vm.process.readErrors ?? []) out.push(`    ?  read ${error.reason}: ${error.message}`);
    const stale = vm.process.staleFields ?? [];
    const unknown = vm.process.unknownFields ?? [];
    if (stale.length > 0 || unknown.length > 0) {
      out.push(`    ?  incomplete read:${stale.length > 0 ? ` last good value of ${stale.join(', ')};` : ''}${unknown.length > 0 ? ` unknown ${unknown.join(', ')}` : ''}`.replace(/;$/, ''));
    }
    if (vm.ebpf) {
      const e = vm.ebpf;
      out.push(
        `    eBPF (${e.coverage} coverage): pinned ${e.pinnedPagesTotal} pages, charged ${e.chargedPagesTotal}, ` +
          `uncharged ${e.unchargedPagesTotal}, released ${e.unpinnedPagesTotal}, mapped not charged ${e.mappedNotChargedPages}`,
      );
    }
  });
  if (result.vms.length === 0) out.push('(no VFIO users on this host)');
  for (const leak of result.leaks) {
    out.push(`!! ${leak.vmName} exited with ${leak.leakedPages} pages still pinned and charged`);
  }
  out.push('');
  out.push(summaryLine(result));
  return out.join('\n');
}

export function summaryLine(result: CycleResult): string {
  const h = result.host;
  const f = h.findingsBySeverity;
  return (
    `${h.vfioUsers} VFIO user${h.vfioUsers === 1 ? '' : 's'}, VmLck ${formatBytes(h.lockedBytes)} of expected ${formatBytes(h.expectedLockedBytes)}` +
    (h.memTotalBytes !== null ? ` (host RAM ${formatBytes(h.memTotalBytes)})` : '') +
    `; findings: ${f.critical} critical, ${f.warning} warning, ${f.info} info` +
    (result.sample.errors.length ? `; ${result.sample.errors.length} collector error${result.sample.errors.length === 1 ? '' : 's'}` : '')
  );
}

function optionalBytes(bytes: number | null): string {
  return bytes === null ? '?' : formatBytes(bytes);
}
