import type { ProxmoxVmConfig } from '../../model/orchestrator.js';
import { malformedLineError } from '../host-file-error.js';

/**
 * Proxmox VE's `-id <vmid>` (PVE::QemuServer::config_to_command puts it
 * first): the VM id, or null when the command line has none.
 */
export function proxmoxVmidFromArgv(argv: readonly string[]): number | null {
  for (let i = 1; i < argv.length - 1; i++) {
    if (argv[i] === '-id' && /^\d+$/.test(argv[i + 1] ?? '')) return Number(argv[i + 1]);
  }
  return null;
}

/**
 * `/etc/pve/qemu-server/<vmid>.conf`: `key: value` lines for the current
 * config, `#` description lines, then `[snapshot]` sections (ignored: they
 * are not what runs). Reads name, memory (MiB) and the hostpciN lines.
 */
export function parseProxmoxVmConfig(text: string, vmid: number, sourcePath: string): ProxmoxVmConfig {
  const config: ProxmoxVmConfig = { sourcePath, vmid, name: null, memoryBytes: null, hostpciDevices: 0 };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) break;
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformedLineError(sourcePath, raw, 'not a "key: value" line');
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'name') config.name = value;
    else if (key === 'memory') {
      // Since PVE 8.2 the value may be a property string: "current=4096".
      const mib = /^(?:current=)?(\d+)/.exec(value)?.[1];
      if (mib === undefined) throw malformedLineError(sourcePath, raw, 'memory is not a size in MiB');
      config.memoryBytes = Number(mib) * 1024 * 1024;
    } else if (/^hostpci\d+$/.test(key)) config.hostpciDevices += 1;
  }
  return config;
}
