/**
 * What the layers above QEMU (libvirt, OpenStack Nova, KubeVirt, Proxmox VE)
 * say about a VM: read by collectors/libvirt and collectors/orchestrator,
 * matched to a VFIO user and judged by analysis/orchestrator-identity.ts.
 */

/** `<hostdev>` (and `<interface type='hostdev'>`) of a libvirt domain. */
export interface LibvirtHostdev {
  /** 'subsystem' or 'capabilities'. */
  mode: string;
  /** subsystem type: 'pci', 'mdev', 'usb', 'scsi', ... */
  type: string;
  /** `<driver name='vfio'/>` when given; null = the default (vfio on current libvirt). */
  driver: string | null;
  /** `<source><address domain bus slot function>` as 0000:BB:DD.F, for pci. */
  pciAddress: string | null;
  managed: boolean;
}

/** OpenStack Nova's `<metadata><nova:instance>` (nova/virt/libvirt/config.py LibvirtConfigGuestMetaNova*). */
export interface NovaInstanceMetadata {
  /** `<nova:name>`: the instance's display name. */
  name: string | null;
  /** `<nova:flavor name=...>`. */
  flavor: string | null;
  /** `<nova:owner><nova:project uuid=...>name`. */
  projectName: string | null;
  projectUuid: string | null;
  userName: string | null;
  userUuid: string | null;
}

/** One running domain, from libvirt's live status XML (/run/libvirt/qemu/<name>.xml). */
export interface LibvirtDomain {
  /** The file it was read from (host path), for errors. */
  sourcePath: string;
  name: string;
  uuid: string | null;
  /** `<domstatus pid=...>`: QEMU's pid as libvirt recorded it; null when absent. */
  pid: number | null;
  /** `<memory>`: total guest RAM (virDomainDefGetMemoryTotal), bytes. */
  memoryBytes: number | null;
  /** `<maxMemory>`: the hotplug ceiling, bytes. */
  maxMemoryBytes: number | null;
  /** `<memtune><hard_limit>`, bytes; null when not set. */
  hardLimitBytes: number | null;
  /** `<memoryBacking><locked/>`. */
  memoryLocked: boolean;
  hostdevs: LibvirtHostdev[];
  /** `<disk type='nvme'>`: libvirt drives these through VFIO too. */
  nvmeDisks: number;
  /** `<interface type='vdpa'>`. */
  vdpaInterfaces: number;
  /** `<iommu model=...>`; null without a vIOMMU. */
  iommuModel: string | null;
  /** `<os><type arch=...>`. */
  arch: string | null;
  /** `<domain type=...>`: kvm, qemu (TCG). */
  virtType: string | null;
  nova: NovaInstanceMetadata | null;
}

/** `/etc/pve/qemu-server/<vmid>.conf`: the keys pinwatch uses (pve-manager's qemu-server config format). */
export interface ProxmoxVmConfig {
  sourcePath: string;
  vmid: number;
  name: string | null;
  /** `memory:` in MiB, as bytes. */
  memoryBytes: number | null;
  /** `hostpci0:` .. `hostpciN:` lines. */
  hostpciDevices: number;
}

/** Per-VFIO-user facts the orchestrator collector reads under procfs. */
export interface ProcessOrchestratorContext {
  pid: number;
  startTimeTicks: number;
  /** The cgroup v2 path (the `0::` line of /proc/PID/cgroup), or the first v1 path. */
  cgroupPath: string | null;
  /** Kubernetes pod uid found in the cgroup path (kubepods ... pod<uid>). */
  podUid: string | null;
  /** Proxmox `-id <vmid>` read from the command line. */
  proxmoxVmid: number | null;
  proxmoxConfig: ProxmoxVmConfig | null;
}

/** What the libvirt and orchestrator collectors add to a HostSample. */
export interface OrchestratorSample {
  /** Running libvirt domains; null when the libvirt collector is off or libvirt is not on this host. */
  libvirtDomains: LibvirtDomain[] | null;
  /** Per VFIO user (pid, start time); empty when the orchestrator collector is off. */
  processes: ProcessOrchestratorContext[];
}

export type OrchestratorKind = 'libvirt' | 'openstack' | 'kubevirt' | 'proxmox' | 'none';

/** libvirt's RLIMIT_MEMLOCK rule applied to a domain (analysis/libvirt-memlock-rule.ts). */
export interface LibvirtMemlockRule {
  /** Which branch of qemuDomainGetMemLockLimitBytes() applied. */
  rule: 'hard-limit' | 'locked' | 'vfio' | 'viommu' | 'none' | 'not-modelled';
  /** The limit it gives, bytes; null = unlimited ('locked'), or not set ('none'), or unknown. */
  limitBytes: number | null;
  /** How many times guest RAM it counts (vfio: 1 + nvme + vdpa; viommu: N hostdevs + nvme + vdpa). */
  memoryFactor: number;
  /** One sentence: how libvirt got the number. */
  explanation: string;
}

/** Who runs this VM, as the API, the info series and the snapshot show it. */
export interface VmOrchestrator {
  kind: OrchestratorKind;
  /** libvirt domain name (also for KubeVirt, where it is <namespace>_<vmi>). */
  domain: string | null;
  /** uuid from libvirt (or QEMU -uuid when no domain matched). */
  uuid: string | null;
  /** How the domain was matched to the process. */
  matchedBy: 'uuid' | 'name' | null;
  /** KubeVirt */
  namespace: string | null;
  vmi: string | null;
  podUid: string | null;
  /** Proxmox VE */
  vmid: number | null;
  /** OpenStack Nova */
  novaInstance: string | null;
  novaFlavor: string | null;
  project: string | null;
  user: string | null;
  /** libvirt's limit for the domain; null when no domain matched. */
  libvirtMemlock: LibvirtMemlockRule | null;
}
