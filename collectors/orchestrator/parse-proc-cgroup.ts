import { malformedLineError } from '../host-file-error.js';

/**
 * /proc/PID/cgroup (proc_cgroup_show(), kernel/cgroup/cgroup.c): one
 * `hierarchy-ID:controllers:path` line per hierarchy; cgroup v2 is the
 * single `0::/path` line.
 */

/** The cgroup v2 path, else the first v1 path (the name=systemd hierarchy when present); null when empty. */
export function parseProcCgroupPath(text: string, sourcePath: string): string | null {
  const rows: { id: string; controllers: string; path: string }[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const first = line.indexOf(':');
    const second = first < 0 ? -1 : line.indexOf(':', first + 1);
    if (first < 0 || second < 0) throw malformedLineError(sourcePath, line, 'not a cgroup line');
    rows.push({ id: line.slice(0, first), controllers: line.slice(first + 1, second), path: line.slice(second + 1) });
  }
  const unified = rows.find((row) => row.id === '0' && row.controllers === '');
  if (unified) return unified.path;
  const systemd = rows.find((row) => row.controllers === 'name=systemd');
  return (systemd ?? rows[0])?.path ?? null;
}

/**
 * The Kubernetes pod uid in a kubelet cgroup path: cgroupfs driver
 * `/kubepods/burstable/pod<uid>/<container>`, systemd driver
 * `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid with _>.slice/...`
 * (pkg/kubelet/cm/cgroup_manager_linux.go escapes '-' as '_'). null outside kubepods.
 */
export function podUidFromCgroupPath(cgroupPath: string): string | null {
  if (!cgroupPath.includes('kubepods')) return null;
  const match = /pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12})(?:\.slice)?(?:\/|$)/.exec(cgroupPath);
  return match?.[1] ? match[1].replace(/_/g, '-') : null;
}
