import { describe, expect, it } from 'vitest';
import type { LibvirtDomain, LibvirtHostdev } from '../model/orchestrator.js';
import { libvirtMemlockRule } from './libvirt-memlock-rule.js';

const GIB = 1024 ** 3;
const pci = (driver: string | null = null): LibvirtHostdev => ({ mode: 'subsystem', type: 'pci', driver, pciAddress: '0000:01:00.0', managed: true });

function domain(overrides: Partial<LibvirtDomain> = {}): LibvirtDomain {
  return {
    sourcePath: 'f', name: 'vm', uuid: null, pid: null, memoryBytes: 4 * GIB, maxMemoryBytes: null, hardLimitBytes: null,
    memoryLocked: false, hostdevs: [], nvmeDisks: 0, vdpaInterfaces: 0, iommuModel: null, arch: 'x86_64', virtType: 'kvm', nova: null,
    ...overrides,
  };
}

// Each row: qemuDomainGetMemLockLimitBytes() as of libvirt 8.7+, by hand.
describe('libvirtMemlockRule (qemuDomainGetMemLockLimitBytes)', () => {
  it.each([
    ['no host devices: libvirt sets nothing', domain(), 'none', null, 0],
    ['one VFIO hostdev: RAM + 1 GiB', domain({ hostdevs: [pci('vfio')] }), 'vfio', 5 * GIB, 1],
    ['two hostdevs, no vIOMMU: still RAM + 1 GiB (one address space)', domain({ hostdevs: [pci(), pci()] }), 'vfio', 5 * GIB, 1],
    ['vIOMMU + 2 hostdevs: 2 x RAM + 1 GiB', domain({ hostdevs: [pci(), pci()], iommuModel: 'intel' }), 'viommu', 9 * GIB, 2],
    ['vIOMMU + 3 hostdevs + 1 NVMe disk: 4 x RAM + 1 GiB', domain({ hostdevs: [pci(), pci(), pci()], nvmeDisks: 1, iommuModel: 'virtio' }), 'viommu', 17 * GIB, 4],
    ['no hostdev, 2 vDPA + 1 NVMe: 3 x RAM + 1 GiB', domain({ vdpaInterfaces: 2, nvmeDisks: 1 }), 'vfio', 13 * GIB, 3],
    ['vIOMMU without VFIO hostdevs: not the vIOMMU factor', domain({ nvmeDisks: 1, iommuModel: 'intel' }), 'vfio', 5 * GIB, 1],
    ['an mdev counts as VFIO', domain({ hostdevs: [{ ...pci(), type: 'mdev' }] }), 'vfio', 5 * GIB, 1],
    ['a USB hostdev does not', domain({ hostdevs: [{ ...pci(), type: 'usb' }] }), 'none', null, 0],
    ['hard_limit wins over everything', domain({ hardLimitBytes: 6 * GIB, memoryLocked: true, hostdevs: [pci(), pci()], iommuModel: 'intel' }), 'hard-limit', 6 * GIB, 0],
    ['<locked/>: unlimited', domain({ memoryLocked: true, hostdevs: [pci()] }), 'locked', null, 0],
    ['ppc64 KVM: not modelled', domain({ arch: 'ppc64le', hostdevs: [pci()] }), 'not-modelled', null, 0],
  ])('%s', (_what, input, rule, limitBytes, factor) => {
    const result = libvirtMemlockRule(input);
    expect([result.rule, result.limitBytes, result.memoryFactor]).toEqual([rule, limitBytes, factor]);
  });

  it('explains the vIOMMU rule with the numbers', () => {
    expect(libvirtMemlockRule(domain({ hostdevs: [pci(), pci()], iommuModel: 'intel' })).explanation).toBe(
      'libvirt (8.7 and later) sets RLIMIT_MEMLOCK to 2 x guest RAM 4 GiB + 1 GiB = 9 GiB: behind the intel vIOMMU each of the 2 VFIO devices ' +
        'gets its own DMA address space, and vfio_pin_pages_remote charges guest RAM once per address space.',
    );
  });
});
