/** The `orchestrator` object of a VM in /api/v1/vms: who runs it and the limit that layer gives it. */
import { z } from 'zod';
import type { VmOrchestrator } from '../../model/orchestrator.js';

export const orchestratorJsonSchema = z.object({
  /** libvirt, openstack, kubevirt, proxmox, none. */
  kind: z.enum(['libvirt', 'openstack', 'kubevirt', 'proxmox', 'none']),
  domain: z.string().nullable(),
  uuid: z.string().nullable(),
  /** How the libvirt domain was matched to the process: by -uuid or by -name. */
  matchedBy: z.enum(['uuid', 'name']).nullable(),
  namespace: z.string().nullable(),
  vmi: z.string().nullable(),
  podUid: z.string().nullable(),
  vmid: z.number().int().nullable(),
  novaInstance: z.string().nullable(),
  novaFlavor: z.string().nullable(),
  project: z.string().nullable(),
  user: z.string().nullable(),
  /** libvirt's RLIMIT_MEMLOCK rule for the domain (qemuDomainGetMemLockLimitBytes); null when no domain matched. */
  libvirtMemlock: z
    .object({
      rule: z.enum(['hard-limit', 'locked', 'vfio', 'viommu', 'none', 'not-modelled']),
      /** null: unlimited (locked), none set, or not modelled. */
      limitBytes: z.number().nullable(),
      memoryFactor: z.number().int(),
      explanation: z.string(),
    })
    .nullable(),
});
export type OrchestratorJson = z.infer<typeof orchestratorJsonSchema>;

export function orchestratorJson(orchestrator: VmOrchestrator | undefined): OrchestratorJson | null {
  if (!orchestrator) return null;
  return {
    kind: orchestrator.kind,
    domain: orchestrator.domain,
    uuid: orchestrator.uuid,
    matchedBy: orchestrator.matchedBy,
    namespace: orchestrator.namespace,
    vmi: orchestrator.vmi,
    podUid: orchestrator.podUid,
    vmid: orchestrator.vmid,
    novaInstance: orchestrator.novaInstance,
    novaFlavor: orchestrator.novaFlavor,
    project: orchestrator.project,
    user: orchestrator.user,
    libvirtMemlock: orchestrator.libvirtMemlock ? { ...orchestrator.libvirtMemlock } : null,
  };
}
