/**
 * The libvirt lab's assertions: a real libvirtd (Debian's) started two domains in the
 * kernel lab's guest (lab/libvirt/guest-libvirt-job.sh); pinwatch, watching the same
 * guest, must name them as libvirt does and judge them by libvirt's own limit rule
 * (qemuDomainGetMemLockLimitBytes, analysis/libvirt-memlock-rule.ts):
 *   lab-one     one edu hostdev, no vIOMMU: limit RAM + 1 GiB, expected RAM, no finding;
 *               Nova metadata in its XML reaches pinwatch_vm_info.
 *   lab-viommu  intel vIOMMU + both edu devices: limit 2 x RAM + 1 GiB, the kernel
 *               charges about 2 x RAM, class ok, explained as the vIOMMU rule.
 * Run by lab/libvirt/run-libvirt-lab.sh (npm run test:lab:libvirt).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const resultsDir = process.env.LAB_RESULTS;
if (!resultsDir) throw new Error('LAB_RESULTS is not set: run the libvirt lab through lab/libvirt/run-libvirt-lab.sh');
const dir = resultsDir;
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

const read = (...parts: string[]) => {
  const file = path.join(dir, ...parts);
  if (!existsSync(file)) throw new Error(`${file} missing: the guest did not get that far (see ${path.join(dir, 'job.log')})`);
  return readFileSync(file, 'utf8');
};
const env = JSON.parse(read('env.json')) as { kernelRelease: string; libvirtVersion: string; guestMiB: number; eduDevices: string[] };
const guestBytes = env.guestMiB * MIB;

/** `Max locked memory  S  H  bytes` of /proc/PID/limits: the soft limit in bytes. */
function softMemlockBytes(limits: string): number | null {
  const row = limits.split('\n').find((line) => line.startsWith('Max locked memory'));
  const soft = row?.slice('Max locked memory'.length).trim().split(/\s+/)[0];
  if (soft === undefined) throw new Error(`no "Max locked memory" row in:\n${limits}`);
  return soft === 'unlimited' ? null : Number(soft);
}

function vmLckBytes(status: string): number {
  const kb = /^VmLck:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmLck in:\n${status}`);
  return Number(kb) * 1024;
}

interface VmJson {
  vmName: string;
  uuid: string | null;
  expectedLockedBytes: number | null;
  memlockLimit: { softBytes: number | null };
  accountingClass: string;
  findings: { kind: string; severity: string; explanation: string }[];
  orchestrator: {
    kind: string;
    domain: string | null;
    uuid: string | null;
    matchedBy: string | null;
    novaInstance: string | null;
    novaFlavor: string | null;
    project: string | null;
    user: string | null;
    libvirtMemlock: { rule: string; limitBytes: number | null; memoryFactor: number; explanation: string } | null;
  } | null;
}

function pinwatchVm(domain: string): VmJson {
  const vms = JSON.parse(read('domains', domain, 'vms.json')) as { vms?: VmJson[] } | VmJson[];
  const list = Array.isArray(vms) ? vms : (vms.vms ?? []);
  const vm = list.find((candidate) => candidate.vmName === domain);
  if (!vm) throw new Error(`pinwatch lists no VM ${domain}; it has ${list.map((v) => v.vmName).join(', ') || 'none'}`);
  return vm;
}

function infoLine(domain: string): string {
  const line = read('domains', domain, 'metrics.txt')
    .split('\n')
    .find((l) => l.startsWith(`pinwatch_vm_info{vm="${domain}",`));
  if (!line) throw new Error(`no pinwatch_vm_info for ${domain}`);
  return line;
}

describe(`libvirt ${env.libvirtVersion} on ${env.kernelRelease}`, () => {
  it('the guest job ran without errors', () => {
    expect(read('runner-errors.txt')).toBe('');
    expect(process.env.LAB_GUEST_RC ?? '0').toBe('0');
  });

  describe('lab-one: one edu <hostdev managed="no">, no vIOMMU, Nova metadata', () => {
    const limit = guestBytes + GIB;

    it(`libvirt set RLIMIT_MEMLOCK to RAM + 1 GiB (${limit} bytes); the kernel charged about RAM`, () => {
      expect(softMemlockBytes(read('domains', 'lab-one', 'limits.txt'))).toBe(limit);
      const locked = vmLckBytes(read('domains', 'lab-one', 'status.txt'));
      expect(locked).toBeGreaterThanOrEqual(guestBytes);
      expect(locked).toBeLessThan(guestBytes + 64 * MIB);
    });

    it('pinwatch names it by domain and uuid, reads the limit libvirt set, expects RAM, raises no finding', () => {
      const vm = pinwatchVm('lab-one');
      expect(vm.orchestrator).toMatchObject({
        kind: 'openstack',
        domain: 'lab-one',
        uuid: '5a0c1e2d-3b4f-4a5e-8d6c-7b8a9c0d1e01',
        matchedBy: 'uuid',
        libvirtMemlock: { rule: 'vfio', limitBytes: limit, memoryFactor: 1 },
      });
      expect(vm.memlockLimit.softBytes).toBe(limit);
      expect(vm.expectedLockedBytes).toBe(guestBytes);
      expect(vm.accountingClass).toBe('ok');
      expect(vm.findings).toEqual([]);
    });

    it('the Nova metadata reaches pinwatch_vm_info', () => {
      expect(infoLine('lab-one')).toContain(
        'orchestrator="openstack",domain="lab-one",namespace="",vmi="",vmid="",nova_instance="lab-web-7",nova_flavor="lab.tiny",project="lab-project",user="alice"} 1',
      );
      expect(infoLine('lab-one')).toContain('uuid="5a0c1e2d-3b4f-4a5e-8d6c-7b8a9c0d1e01"');
    });
  });

  describe('lab-viommu: intel vIOMMU and both edu devices on pcie.0', () => {
    const limit = 2 * guestBytes + GIB;

    it(`libvirt set RLIMIT_MEMLOCK to 2 x RAM + 1 GiB (${limit} bytes); the kernel charged about 2 x RAM`, () => {
      expect(softMemlockBytes(read('domains', 'lab-viommu', 'limits.txt'))).toBe(limit);
      const locked = vmLckBytes(read('domains', 'lab-viommu', 'status.txt'));
      expect(locked).toBeGreaterThanOrEqual(2 * guestBytes);
      expect(locked).toBeLessThan(2 * guestBytes + 64 * MIB);
    });

    it('pinwatch explains it as the vIOMMU rule, class ok, and nothing else', () => {
      const vm = pinwatchVm('lab-viommu');
      expect(vm.orchestrator).toMatchObject({
        kind: 'libvirt',
        domain: 'lab-viommu',
        matchedBy: 'uuid',
        libvirtMemlock: { rule: 'viommu', limitBytes: limit, memoryFactor: 2 },
      });
      expect(vm.expectedLockedBytes).toBe(2 * guestBytes);
      expect(vm.accountingClass).toBe('ok');
      expect(vm.findings.map((f) => `${f.severity} ${f.kind}`)).toEqual(['info libvirt-viommu-limit']);
      expect(infoLine('lab-viommu')).toContain('viommu="intel-iommu",orchestrator="libvirt",domain="lab-viommu"');
    });
  });

  describe("lab-viommu-bridge: the same, placed by libvirt behind one pcie-pci-bridge (edu is conventional PCI)", () => {
    const limit = 2 * guestBytes + GIB;

    it(`libvirt still sets 2 x RAM + 1 GiB (${limit} bytes), but the kernel charges 1 x RAM: one shared address space`, () => {
      expect(softMemlockBytes(read('domains', 'lab-viommu-bridge', 'limits.txt'))).toBe(limit);
      const locked = vmLckBytes(read('domains', 'lab-viommu-bridge', 'status.txt'));
      expect(locked).toBeGreaterThanOrEqual(guestBytes);
      expect(locked).toBeLessThan(guestBytes + 64 * MIB);
    });

    it('pinwatch expects 1 x RAM, class ok, and explains the spare limit', () => {
      const vm = pinwatchVm('lab-viommu-bridge');
      expect(vm.orchestrator?.libvirtMemlock).toMatchObject({ rule: 'viommu', limitBytes: limit, memoryFactor: 2 });
      expect(vm.expectedLockedBytes).toBe(guestBytes);
      expect(vm.accountingClass).toBe('ok');
      expect(vm.findings.map((f) => `${f.severity} ${f.kind}`)).toEqual(['info libvirt-viommu-limit']);
      expect(vm.findings[0]?.explanation).toMatch(/the kernel charges guest RAM 1 time, not 2/);
    });
  });
});
