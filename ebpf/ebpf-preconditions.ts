/**
 * What must hold before bpftrace can attach the plan, each as a check with the words
 * an operator can act on. Pure: the reader (run-preparation.ts) supplies the facts.
 */

/** Capability bits (include/uapi/linux/capability.h). */
const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

/** CapEff hex from /proc/self/status -> can load BPF tracing programs (root, or CAP_BPF+CAP_PERFMON on 5.8+). */
export function capEffAllowsTracing(capEffHex: string): boolean {
  if (!/^[0-9a-fA-F]+$/.test(capEffHex)) return false;
  const caps = BigInt(`0x${capEffHex}`);
  const has = (bit: bigint): boolean => (caps & (1n << bit)) !== 0n;
  return has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON));
}

/** The CapEff hex digits of a /proc/PID/status text, or null when absent. */
export function parseCapEff(statusText: string): string | null {
  const match = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText);
  return match ? (match[1] as string) : null;
}

export type PreconditionName = 'bpftrace' | 'privilege' | 'kprobes' | 'module' | 'btf';

export interface PreconditionCheck {
  name: PreconditionName;
  ok: boolean;
  /** What was found, always filled (also when ok). */
  detail: string;
  /** How to fix it; null when ok. */
  fix: string | null;
  /** A failure that may clear by itself (module not loaded yet): re-check later instead of giving up. */
  retryable: boolean;
}

export interface PreconditionFacts {
  bpftracePath: string | null;
  capEffHex: string | null;
  /** The tracefs directory found (sysfs/kernel/tracing or sysfs/kernel/debug/tracing), or null. */
  tracingDir: string | null;
  kprobeEventsPresent: boolean;
  vfioType1Loaded: boolean;
  iommufdLoaded: boolean;
  moduleBtfPresent: boolean;
}

export function checkPreconditions(facts: PreconditionFacts): PreconditionCheck[] {
  const checks: PreconditionCheck[] = [];
  checks.push(
    facts.bpftracePath
      ? { name: 'bpftrace', ok: true, detail: `bpftrace found at ${facts.bpftracePath}`, fix: null, retryable: false }
      : {
          name: 'bpftrace',
          ok: false,
          detail: 'bpftrace not found on PATH',
          fix: 'install bpftrace >= 0.17 (Debian/Ubuntu: apt-get install bpftrace) or start pinwatch with --ebpf.source=off',
          retryable: false,
        },
  );
  if (facts.capEffHex === null) {
    checks.push({
      name: 'privilege',
      ok: false,
      detail: 'could not read CapEff of pinwatch itself (procfs self/status)',
      fix: 'check the --path.procfs setting',
      retryable: false,
    });
  } else {
    const ok = capEffAllowsTracing(facts.capEffHex);
    checks.push({
      name: 'privilege',
      ok,
      detail: ok
        ? `CapEff ${facts.capEffHex} allows BPF tracing`
        : `pinwatch lacks CAP_BPF and CAP_PERFMON (and CAP_SYS_ADMIN): CapEff ${facts.capEffHex}`,
      fix: ok
        ? null
        : 'run pinwatch as root, or grant CAP_BPF CAP_PERFMON CAP_SYS_RESOURCE (systemd: AmbientCapabilities=CAP_BPF CAP_PERFMON CAP_SYS_RESOURCE CAP_SYSLOG)',
      retryable: false,
    });
  }
  if (!facts.tracingDir || !facts.kprobeEventsPresent) {
    checks.push({
      name: 'kprobes',
      ok: false,
      detail: facts.tracingDir
        ? `${facts.tracingDir} has no kprobe_events: the kernel is built without kprobes, or tracefs is not mounted there`
        : 'no tracefs (kernel/tracing or kernel/debug/tracing under the sysfs root): the kernel has no kprobes, or tracefs is not mounted',
      fix: 'mount tracefs (mount -t tracefs nodev /sys/kernel/tracing); if it is mounted, the kernel lacks CONFIG_KPROBES/CONFIG_KPROBE_EVENTS: eBPF stays off, /proc numbers still work',
      retryable: false,
    });
  } else {
    checks.push({ name: 'kprobes', ok: true, detail: `${facts.tracingDir}/kprobe_events present`, fix: null, retryable: false });
  }
  if (!facts.vfioType1Loaded && !facts.iommufdLoaded) {
    checks.push({
      name: 'module',
      ok: false,
      detail: 'neither vfio_iommu_type1 nor iommufd is loaded (no sysfs module/vfio_iommu_type1 or module/iommufd)',
      fix: 'nothing to do: the module loads with the first VM that uses VFIO; pinwatch checks again every minute',
      retryable: true,
    });
  } else {
    const loaded = [facts.vfioType1Loaded ? 'vfio_iommu_type1' : null, facts.iommufdLoaded ? 'iommufd' : null].filter(Boolean);
    checks.push({ name: 'module', ok: true, detail: `loaded: ${loaded.join(', ')}`, fix: null, retryable: false });
  }
  checks.push(
    facts.moduleBtfPresent
      ? { name: 'btf', ok: true, detail: 'module BTF present: fentry/fexit where the symbol allows', fix: null, retryable: false }
      : {
          name: 'btf',
          ok: true,
          detail: 'no module BTF (kernel/btf/vfio_iommu_type1 absent): kprobes only, releases attributed to the running context',
          fix: 'optional: a kernel with CONFIG_DEBUG_INFO_BTF_MODULES=y makes probes cheaper and attributes releases after exit',
          retryable: false,
        },
  );
  return checks;
}
