/**
 * A real libvirt 9.0 domain (Debian bookworm, captured in the libvirt lab): intel vIOMMU
 * and two edu hostdevs, which libvirt placed behind one pcie-pci-bridge (edu is a
 * conventional PCI device). The kernel charged VmLck = 98304 kB = 1 x the 96 MiB of guest
 * RAM, under RLIMIT_MEMLOCK 1275068416 = 2 x 96 MiB + 1 GiB (libvirt counts both devices).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseLibvirtDomainStatus } from '../collectors/libvirt/parse-libvirt-domain-status.js';
import { parseQemuCommandLine } from '../collectors/qemu/parse-qemu-command-line.js';
import { defaultAnalysisThresholds } from './thresholds.js';
import { analyzeVm } from './analyze-host.js';
import { identifyOrchestrator } from './orchestrator-identity.js';
import { vfioProcess } from './test-process.js';

const MIB = 1024 * 1024;
const capture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/orchestrators/captures/${name}`, import.meta.url)), 'utf8');
const argv = capture('libvirt-9.0-viommu-bridge.cmdline.txt').split('\n').filter((arg) => arg !== '');
const domain = parseLibvirtDomainStatus(capture('libvirt-9.0-viommu-bridge.status.xml'), '/run/libvirt/qemu/lab-viommu.xml');

describe('libvirt 9.0 vIOMMU domain with two hostdevs behind a pcie-pci-bridge (captured)', () => {
  it('the live status XML parses: name, uuid, pid, 96 MiB, two managed=no hostdevs, intel vIOMMU', () => {
    expect(domain).toMatchObject({ name: 'lab-viommu', uuid: '5a0c1e2d-3b4f-4a5e-8d6c-7b8a9c0d1e02', pid: 394, memoryBytes: 96 * MIB, iommuModel: 'intel' });
    expect(domain.hostdevs.map((h) => [h.pciAddress, h.managed])).toEqual([
      ['0000:00:02.0', false],
      ['0000:00:03.0', false],
    ]);
  });

  it('the command line: both vfio-pci devices on bus pci.3, a pcie-pci-bridge', () => {
    const qemu = parseQemuCommandLine(argv);
    expect(qemu.conventionalPciBridges).toEqual(['pci.3']);
    expect(qemu.vfioDevices.map((d) => d.bus)).toEqual(['pci.3', 'pci.3']);
  });

  it('pinwatch expects 1 x RAM (one address space), class ok, and says why libvirt reserved 2 x', () => {
    const process = vfioProcess({
      pid: 394,
      lockedBytes: 98304 * 1024,
      memlockLimit: { softBytes: 1275068416, hardBytes: 1275068416 },
      cmdline: argv,
      qemu: parseQemuCommandLine(argv),
      iommuGroups: [2, 3],
    });
    const orchestrator = identifyOrchestrator(process, { libvirtDomains: [domain], processes: [] });
    const analysis = analyzeVm(process, 'lab-viommu', 'boot', defaultAnalysisThresholds, orchestrator);
    expect(orchestrator.libvirtMemlock).toMatchObject({ rule: 'viommu', limitBytes: 1275068416, memoryFactor: 2 });
    expect([analysis.dmaAddressSpaces, analysis.expectedLockedBytes, analysis.accountingClass]).toEqual([1, 96 * MIB, 'ok']);
    expect(analysis.findings.map((f) => `${f.severity} ${f.kind}`)).toEqual(['info libvirt-viommu-limit']);
    expect(analysis.findings[0]?.explanation).toMatch(/the kernel charges guest RAM 1 time, not 2: the limit has 1\.09 GiB to spare\.$/);
  });
});
