import { formatBytes } from '../analysis/format-bytes.js';
import type { VmOrchestrator } from '../model/orchestrator.js';

/**
 * One line under a VM in the snapshot table saying who runs it, e.g.
 * `openstack: instance web-7 (flavor g1.gpu, project demo, user alice), libvirt domain instance-0000002a; libvirt limit 2 GiB (vfio)`.
 * null for a VM no orchestrator claims.
 */
export function orchestratorLine(orchestrator: VmOrchestrator | undefined): string | null {
  if (!orchestrator || orchestrator.kind === 'none') return null;
  const parts: string[] = [];
  if (orchestrator.kind === 'openstack') {
    const details = [
      orchestrator.novaFlavor && `flavor ${orchestrator.novaFlavor}`,
      orchestrator.project && `project ${orchestrator.project}`,
      orchestrator.user && `user ${orchestrator.user}`,
    ].filter(Boolean);
    parts.push(`instance ${orchestrator.novaInstance ?? '?'}${details.length ? ` (${details.join(', ')})` : ''}`);
  }
  if (orchestrator.kind === 'kubevirt') {
    parts.push(`namespace ${orchestrator.namespace ?? '?'}, vmi ${orchestrator.vmi ?? '?'}${orchestrator.podUid ? `, pod ${orchestrator.podUid}` : ''}`);
  }
  if (orchestrator.kind === 'proxmox') parts.push(`vmid ${orchestrator.vmid ?? '?'}`);
  if (orchestrator.domain && orchestrator.kind !== 'kubevirt') parts.push(`libvirt domain ${orchestrator.domain}`);
  const rule = orchestrator.libvirtMemlock;
  const limit = !rule
    ? ''
    : rule.rule === 'locked'
      ? '; libvirt limit unlimited (locked)'
      : rule.limitBytes !== null
        ? `; libvirt limit ${formatBytes(rule.limitBytes)} (${rule.rule})`
        : '';
  return `${orchestrator.kind}: ${parts.join(', ')}${limit}`;
}
