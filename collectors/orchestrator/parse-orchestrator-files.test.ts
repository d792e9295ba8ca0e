import { describe, expect, it } from 'vitest';
import { parseProcCgroupPath, podUidFromCgroupPath } from './parse-proc-cgroup.js';
import { parseProxmoxVmConfig, proxmoxVmidFromArgv } from './parse-proxmox-config.js';
import { KUBEVIRT_CGROUP, PROXMOX_CONF } from '../../fixtures/orchestrators/orchestrator-host.js';

describe('parseProcCgroupPath', () => {
  it.each([
    ['cgroup v2', '0::/qemu.slice/105.scope\n', '/qemu.slice/105.scope'],
    ['v1 with name=systemd', '12:memory:/kubepods/burstable/podx\n1:name=systemd:/kubepods/burstable/pod-sys\n', '/kubepods/burstable/pod-sys'],
    ['hybrid: the 0:: line wins', '1:name=systemd:/a\n0::/b\n', '/b'],
    ['empty', '', null],
  ])('%s', (_what, text, expected) => {
    expect(parseProcCgroupPath(text, '/proc/1/cgroup')).toBe(expected);
  });

  it('a line without two colons is malformed, naming the file and the line', () => {
    expect(() => parseProcCgroupPath('garbage\n', '/proc/1/cgroup')).toThrow('/proc/1/cgroup: not a cgroup line: "garbage"');
  });
});

describe('podUidFromCgroupPath', () => {
  it.each([
    ['systemd driver (the fixture KubeVirt pod)', KUBEVIRT_CGROUP.slice(3).trim(), '1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d'],
    ['cgroupfs driver', '/kubepods/burstable/pod0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d/4f6e2d1c', '0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d'],
    ['guaranteed QoS, systemd', '/kubepods.slice/kubepods-pod0a1b2c3d_4e5f_6a7b_8c9d_0e1f2a3b4c5d.slice/cri-o-1.scope', '0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d'],
    ['libvirt machine.slice', '/machine.slice/machine-qemu\\x2d1\\x2dvm.scope/libvirt/emulator', null],
    ['Proxmox', '/qemu.slice/105.scope', null],
  ])('%s', (_what, cgroupPath, uid) => {
    expect(podUidFromCgroupPath(cgroupPath)).toBe(uid);
  });
});

describe('Proxmox VE', () => {
  it('-id <vmid> from the command line; none without it', () => {
    expect(proxmoxVmidFromArgv(['/usr/bin/kvm', '-id', '105', '-name', 'win-gpu,debug-threads=on'])).toBe(105);
    expect(proxmoxVmidFromArgv(['/usr/bin/qemu-system-x86_64', '-name', 'guest=a'])).toBeNull();
    expect(proxmoxVmidFromArgv(['/usr/bin/kvm', '-id'])).toBeNull();
  });

  it('the fixture 105.conf: name win-gpu, 8 GiB, one hostpci; the snapshot section is ignored', () => {
    expect(parseProxmoxVmConfig(PROXMOX_CONF, 105, '/etc/pve/qemu-server/105.conf')).toEqual({
      sourcePath: '/etc/pve/qemu-server/105.conf',
      vmid: 105,
      name: 'win-gpu',
      memoryBytes: 8 * 1024 ** 3,
      hostpciDevices: 1,
    });
  });

  it('memory as a property string (PVE 8.2+), and malformed lines name the file', () => {
    expect(parseProxmoxVmConfig('memory: current=4096\n', 1, 'c').memoryBytes).toBe(4 * 1024 ** 3);
    expect(() => parseProxmoxVmConfig('memory: lots\n', 1, 'c')).toThrow('c: memory is not a size in MiB: "memory: lots"');
    expect(() => parseProxmoxVmConfig('just words\n', 1, 'c')).toThrow('c: not a "key: value" line: "just words"');
  });
});
