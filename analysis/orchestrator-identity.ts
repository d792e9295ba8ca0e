import type { OrchestratorSample, VmOrchestrator, LibvirtDomain, ProcessOrchestratorContext } from '../model/orchestrator.js';
import type { VfioProcessSample } from '../model/host-sample.js';
import { libvirtMemlockRule } from './libvirt-memlock-rule.js';

/**
 * The libvirt domain that runs this process: by uuid (QEMU's -uuid is the
 * domain's <uuid>), else by name (-name guest=<domain name>). Names are unique
 * per libvirt driver, uuids per host, so one of them decides.
 */
export function matchLibvirtDomain(
  process: VfioProcessSample,
  domains: readonly LibvirtDomain[],
): { domain: LibvirtDomain; matchedBy: 'uuid' | 'name' } | null {
  const uuid = process.qemu?.uuid ?? null;
  if (uuid !== null) {
    const byUuid = domains.find((domain) => domain.uuid === uuid);
    if (byUuid) return { domain: byUuid, matchedBy: 'uuid' };
  }
  const name = process.qemu?.guestName ?? null;
  if (name !== null) {
    const byName = domains.find((domain) => domain.name === name);
    if (byName) return { domain: byName, matchedBy: 'name' };
  }
  return null;
}

/**
 * KubeVirt names the libvirt domain `<namespace>_<vmi>`
 * (pkg/virt-launcher/virtwrap/api VMINamespaceKeyFunc). A namespace is a
 * DNS-1123 label, which has no '_', so the first '_' splits the two.
 */
export function kubevirtNamesFromDomainName(name: string): { namespace: string; vmi: string } | null {
  const split = name.indexOf('_');
  if (split <= 0 || split === name.length - 1) return null;
  return { namespace: name.slice(0, split), vmi: name.slice(split + 1) };
}

function contextOf(process: VfioProcessSample, sample: OrchestratorSample | undefined): ProcessOrchestratorContext | null {
  return (
    sample?.processes.find((c) => c.pid === process.pid && c.startTimeTicks === process.startTimeTicks) ?? null
  );
}

/**
 * Who runs this VM and what limit that layer gives it. Decided here only:
 * OpenStack when the domain carries Nova metadata; KubeVirt when the process
 * lives in a Kubernetes pod's cgroup; Proxmox VE when QEMU has `-id <vmid>`;
 * libvirt when a domain matched; else none.
 */
export function identifyOrchestrator(
  process: VfioProcessSample,
  sample: OrchestratorSample | undefined,
): VmOrchestrator {
  const match = sample?.libvirtDomains ? matchLibvirtDomain(process, sample.libvirtDomains) : null;
  const context = contextOf(process, sample);
  const domain = match?.domain ?? null;
  const guestName = process.qemu?.guestName ?? null;
  const kubevirt = context?.podUid && guestName !== null ? kubevirtNamesFromDomainName(domain?.name ?? guestName) : null;
  const vmid = context?.proxmoxVmid ?? null;
  const kind = domain?.nova ? 'openstack' : context?.podUid ? 'kubevirt' : vmid !== null ? 'proxmox' : domain ? 'libvirt' : 'none';
  return {
    kind,
    domain: domain?.name ?? (kind === 'kubevirt' ? guestName : null),
    uuid: domain?.uuid ?? process.qemu?.uuid ?? null,
    matchedBy: match?.matchedBy ?? null,
    namespace: kubevirt?.namespace ?? null,
    vmi: kubevirt?.vmi ?? null,
    podUid: context?.podUid ?? null,
    vmid,
    novaInstance: domain?.nova?.name ?? null,
    novaFlavor: domain?.nova?.flavor ?? null,
    project: domain?.nova?.projectName ?? null,
    user: domain?.nova?.userName ?? null,
    libvirtMemlock: domain ? libvirtMemlockRule(domain) : null,
  };
}
