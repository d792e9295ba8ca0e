import type { ProcessOrchestratorContext, ProxmoxVmConfig } from '../../model/orchestrator.js';
import type { CollectContext, Collector, HostSampleDraft } from '../collector.js';
import { HostFileError, toCollectorError } from '../host-file-error.js';
import { etcPath, procPath } from '../host-paths.js';
import { hostPathExists, readHostText } from '../read-host-file.js';
import { orchestratorDraft } from '../libvirt/libvirt-collector.js';
import { parseProcCgroupPath, podUidFromCgroupPath } from './parse-proc-cgroup.js';
import { parseProxmoxVmConfig, proxmoxVmidFromArgv } from './parse-proxmox-config.js';

export const ORCHESTRATOR_COLLECTOR_NAME = 'orchestrator';

/**
 * For each VFIO user the vfio_users collector found this cycle (so it runs
 * after it): its cgroup path (`<procfs>/PID/cgroup`: a KubeVirt
 * virt-launcher pod's uid) and, for a Proxmox VE `-id <vmid>` command line,
 * `<etcfs>/pve/qemu-server/<vmid>.conf` when it is there and readable
 * (pmxcfs: root-only). Only reads; analysis/ decides who runs the VM.
 */
export class OrchestratorCollector implements Collector {
  readonly name = ORCHESTRATOR_COLLECTOR_NAME;

  collect(ctx: CollectContext, draft: HostSampleDraft): void {
    const contexts: ProcessOrchestratorContext[] = [];
    for (const process of draft.processes) {
      const cgroupFile = procPath(ctx.paths, String(process.pid), 'cgroup');
      let cgroupPath: string | null = null;
      try {
        cgroupPath = parseProcCgroupPath(readHostText(cgroupFile), cgroupFile);
      } catch (error) {
        // The process exited since vfio_users read it: it is simply gone.
        if (!(error instanceof HostFileError && error.reason === 'vanished')) {
          ctx.errors.report(toCollectorError(this.name, cgroupFile, error));
        }
      }
      const vmid = proxmoxVmidFromArgv(process.cmdline);
      contexts.push({
        pid: process.pid,
        startTimeTicks: process.startTimeTicks,
        cgroupPath,
        podUid: cgroupPath === null ? null : podUidFromCgroupPath(cgroupPath),
        proxmoxVmid: vmid,
        proxmoxConfig: vmid === null ? null : this.readProxmoxConfig(ctx, vmid),
      });
    }
    orchestratorDraft(draft).processes = contexts;
  }

  private readProxmoxConfig(ctx: CollectContext, vmid: number): ProxmoxVmConfig | null {
    const file = etcPath(ctx.paths, 'pve', 'qemu-server', `${vmid}.conf`);
    // Not a Proxmox node, or /etc/pve not mounted: the command line alone names the VM.
    if (file === null || !hostPathExists(file)) return null;
    try {
      return parseProxmoxVmConfig(readHostText(file), vmid, file);
    } catch (error) {
      ctx.errors.report(toCollectorError(this.name, file, error));
      return null;
    }
  }
}
