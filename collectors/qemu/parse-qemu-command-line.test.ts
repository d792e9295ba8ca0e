import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { QemuIdentity } from '../../model/host-sample.js';
import { isQemuProcess } from './is-qemu-process.js';
import { normalisePciAddress, parseQemuCommandLine } from './parse-qemu-command-line.js';
import { parseQemuSizeBytes } from './parse-qemu-size.js';

const capturesDir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/captures/linux-6.1');
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

const noIdentity: QemuIdentity = {
  guestName: null,
  uuid: null,
  memoryBytes: null,
  maxMemoryBytes: null,
  memoryBackends: [],
  memLock: false,
  vfioDevices: [],
  viommu: null,
};

/** A libvirt 9.x q35 guest: JSON -object/-device, 16 GiB, 2 GPUs behind an intel-iommu. */
const libvirt9JsonArgv = [
  '/usr/bin/qemu-system-x86_64',
  '-name', 'guest=gpu-train-3,debug-threads=on',
  '-S',
  '-object', '{"qom-type":"secret","id":"masterKey0","format":"raw","file":"/var/lib/libvirt/qemu/domain-7-gpu-train-3/master-key.aes"}',
  '-machine', 'pc-q35-8.2,usb=off,vmport=off,kernel_irqchip=split,dump-guest-core=off,memory-backend=pc.ram,hpet=off,acpi=on',
  '-accel', 'kvm',
  '-cpu', 'host,migratable=on',
  '-m', 'size=16777216k',
  '-object', '{"qom-type":"memory-backend-ram","id":"pc.ram","size":17179869184}',
  '-overcommit', 'mem-lock=off',
  '-smp', '8,sockets=8,cores=1,threads=1',
  '-uuid', '6C0F5A2E-1B3D-4E8F-9A7C-2D4B6E8F0A1C',
  '-no-user-config', '-nodefaults',
  '-device', '{"driver":"intel-iommu","id":"iommu0","intremap":"on","caching-mode":true,"device-iotlb":true}',
  '-device', '{"driver":"pcie-root-port","port":16,"chassis":1,"id":"pci.1","bus":"pcie.0","multifunction":true,"addr":"0x2"}',
  '-device', '{"driver":"vfio-pci","host":"0000:41:00.0","id":"hostdev0","bus":"pci.1","addr":"0x0"}',
  '-device', '{"driver":"vfio-pci","host":"0000:42:00.0","id":"hostdev1","bus":"pci.2","addr":"0x0"}',
  '-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny',
  '-msg', 'timestamp=on',
];

/** An oVirt-style (libvirt 6.x era) guest: key=value -device, -m with slots/maxmem, memory hotplug. */
const ovirtArgv = [
  '/usr/libexec/qemu-kvm',
  '-name', 'guest=db-prod-02,,eu,debug-threads=on',
  '-machine', 'pc-q35-rhel8.6.0,accel=kvm,usb=off,dump-guest-core=off',
  '-m', 'size=8388608k,slots=16,maxmem=33554432k',
  '-overcommit', 'mem-lock=on',
  '-numa', 'node,nodeid=0,cpus=0-3,mem=8192',
  '-uuid', '0b8e7c3a-44f1-4d6e-8c2b-7f9a1e3d5c60',
  '-device', 'vfio-pci,host=0000:3b:00.1,id=ua-5d1c7a2e,bus=pci.6,addr=0x0',
  '-device', 'vfio-pci,host=3b:02.3,id=ua-9e4f,bus=pci.7,addr=0x0',
  '-device', 'virtio-balloon-pci,id=ua-balloon,bus=pci.4,addr=0x0',
];

describe('parseQemuCommandLine', () => {
  it('the captured QEMU (6.1 lab): 64 MiB, one vfio-pci 0000:00:04.0, no name, no vIOMMU', () => {
    const spaced = fs.readFileSync(path.join(capturesDir, 'qemu-run-proc-cmdline.txt'), 'utf8').trim();
    expect(parseQemuCommandLine(spaced.split(' '))).toEqual({
      ...noIdentity,
      memoryBytes: 64 * MiB,
      vfioDevices: [{ hostAddress: '0000:00:04.0', sysfsdev: null, id: null }],
    });
  });

  it('libvirt 9.x JSON guest: name, uuid, 16 GiB, backend, 2 GPUs, intel-iommu, mem-lock=off', () => {
    const problems: string[] = [];
    expect(parseQemuCommandLine(libvirt9JsonArgv, problems)).toEqual({
      guestName: 'gpu-train-3',
      uuid: '6c0f5a2e-1b3d-4e8f-9a7c-2d4b6e8f0a1c',
      memoryBytes: 16 * GiB,
      maxMemoryBytes: null,
      memoryBackends: [{ id: 'pc.ram', type: 'memory-backend-ram', sizeBytes: 16 * GiB }],
      memLock: false,
      vfioDevices: [
        { hostAddress: '0000:41:00.0', sysfsdev: null, id: 'hostdev0' },
        { hostAddress: '0000:42:00.0', sysfsdev: null, id: 'hostdev1' },
      ],
      viommu: 'intel-iommu',
    });
    expect(problems).toEqual([]);
  });

  it('oVirt guest: ",," escape in the name, maxmem, mem-lock=on, short host= normalised', () => {
    expect(parseQemuCommandLine(ovirtArgv)).toEqual({
      guestName: 'db-prod-02,eu',
      uuid: '0b8e7c3a-44f1-4d6e-8c2b-7f9a1e3d5c60',
      memoryBytes: 8 * GiB,
      maxMemoryBytes: 32 * GiB,
      memoryBackends: [],
      memLock: true,
      vfioDevices: [
        { hostAddress: '0000:3b:00.1', sysfsdev: null, id: 'ua-5d1c7a2e' },
        { hostAddress: '0000:3b:02.3', sysfsdev: null, id: 'ua-9e4f' },
      ],
      viommu: null,
    });
  });

  const q = (...args: string[]) => parseQemuCommandLine(['qemu-system-x86_64', ...args]);

  it.each<[string, string[], Partial<QemuIdentity>]>([
    ['empty command line', [], {}],
    ['-name NAME', ['-name', 'web-01'], { guestName: 'web-01' }],
    ['-name NAME,process=...', ['-name', 'web-01,process=qemu:web-01'], { guestName: 'web-01' }],
    ['--name (double dash)', ['--name', 'guest=web-02'], { guestName: 'web-02' }],
    ['-m 4096 (MiB)', ['-m', '4096'], { memoryBytes: 4 * GiB }],
    ['-m 4G', ['-m', '4G'], { memoryBytes: 4 * GiB }],
    ['-m 512M', ['-m', '512M'], { memoryBytes: 512 * MiB }],
    ['-m size=4G', ['-m', 'size=4G'], { memoryBytes: 4 * GiB }],
    ['-m size=4194304k,slots=16,maxmem=8G', ['-m', 'size=4194304k,slots=16,maxmem=8G'], { memoryBytes: 4 * GiB, maxMemoryBytes: 8 * GiB }],
    ['-m 1T', ['-m', '1T'], { memoryBytes: 1024 * GiB }],
    [
      'memory-backend-ram key=value, bytes',
      ['-object', 'memory-backend-ram,id=pc.ram,size=4294967296'],
      { memoryBackends: [{ id: 'pc.ram', type: 'memory-backend-ram', sizeBytes: 4 * GiB }] },
    ],
    [
      'memory-backend-file with suffix',
      ['-object', 'memory-backend-file,id=ram-node0,mem-path=/dev/hugepages/libvirt/qemu,share=yes,size=2G'],
      { memoryBackends: [{ id: 'ram-node0', type: 'memory-backend-file', sizeBytes: 2 * GiB }] },
    ],
    [
      'memory-backend-memfd JSON',
      ['-object', '{"qom-type":"memory-backend-memfd","id":"mem0","share":true,"size":1073741824}'],
      { memoryBackends: [{ id: 'mem0', type: 'memory-backend-memfd', sizeBytes: GiB }] },
    ],
    ['non-memory -object ignored', ['-object', 'iothread,id=iothread1'], {}],
    ['-overcommit mem-lock=on', ['-overcommit', 'mem-lock=on'], { memLock: true }],
    ['-overcommit mem-lock=on-fault', ['-overcommit', 'mem-lock=on-fault'], { memLock: true }],
    ['-overcommit cpu-pm=on only', ['-overcommit', 'cpu-pm=on'], { memLock: false }],
    ['legacy -realtime mlock=on', ['-realtime', 'mlock=on'], { memLock: true }],
    ['legacy -realtime mlock=off', ['-realtime', 'mlock=off'], { memLock: false }],
    [
      'vfio-pci sysfsdev (mdev)',
      ['-device', 'vfio-pci,sysfsdev=/sys/bus/mdev/devices/4b20d080-1b54-4048-85b3-a6a62d165c01,id=hostdev0'],
      { vfioDevices: [{ hostAddress: null, sysfsdev: '/sys/bus/mdev/devices/4b20d080-1b54-4048-85b3-a6a62d165c01', id: 'hostdev0' }] },
    ],
    ['virtio-iommu-pci', ['-device', 'virtio-iommu-pci,id=viommu0'], { viommu: 'virtio-iommu' }],
    ['virtio-iommu JSON', ['-device', '{"driver":"virtio-iommu","id":"iommu0"}'], { viommu: 'virtio-iommu' }],
    ['amd-iommu', ['-device', 'amd-iommu,intremap=on'], { viommu: 'amd-iommu' }],
    ['intel-iommu key=value', ['-device', 'intel-iommu,intremap=on,caching-mode=on'], { viommu: 'intel-iommu' }],
    ['kernel-irqchip=split is not a vIOMMU', ['-machine', 'q35,kernel-irqchip=split'], { viommu: null }],
    ['-uuid lowercased', ['-uuid', 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE'], { uuid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' }],
  ])('%s', (_label, args, expected) => {
    expect(q(...args)).toEqual({ ...noIdentity, ...expected });
  });

  it.each<[string, string[], Partial<QemuIdentity>, string]>([
    ['-m with a bad size', ['-m', 'lots', '-name', 'x'], { guestName: 'x' }, 'size is not a QEMU size'],
    ['broken JSON -device keeps the rest', ['-device', '{"driver":"vfio-pci",', '-m', '1G'], { memoryBytes: GiB }, '-device'],
    ['host= that is not a PCI address', ['-device', 'vfio-pci,host=gpu0'], { vfioDevices: [{ hostAddress: null, sysfsdev: null, id: null }] }, 'host= is not a PCI address'],
    ['option at the end without argument', ['-m'], {}, 'no argument'],
    ['backend with a bad size', ['-object', 'memory-backend-ram,id=r,size=big'], { memoryBackends: [{ id: 'r', type: 'memory-backend-ram', sizeBytes: null }] }, 'size is not a QEMU size'],
  ])('malformed: %s is reported, the rest parsed', (_label, args, expected, problem) => {
    const problems: string[] = [];
    expect(parseQemuCommandLine(['qemu-system-x86_64', ...args], problems)).toEqual({ ...noIdentity, ...expected });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
  });
});

describe('parseQemuSizeBytes', () => {
  it.each<[string, number, number | null]>([
    ['4294967296', 1, 4 * GiB],
    ['64', MiB, 64 * MiB],
    ['4096k', 1, 4 * MiB],
    ['4096K', 1, 4 * MiB],
    ['1.5G', 1, 1.5 * GiB],
    ['2T', 1, 2048 * GiB],
    ['100B', 1, 100],
    ['', 1, null],
    ['1.5', MiB, null],
    ['4X', 1, null],
    ['-1', 1, null],
  ])('%j (default unit %d)', (text, unit, expected) => {
    expect(parseQemuSizeBytes(text, unit)).toBe(expected);
  });
});

describe('normalisePciAddress', () => {
  it.each([
    ['0000:01:00.0', '0000:01:00.0'],
    ['01:00.0', '0000:01:00.0'],
    ['0000:AF:00.1', '0000:af:00.1'],
    ['1:0.0', null],
    ['', null],
  ])('%j', (text, expected) => {
    expect(normalisePciAddress(text)).toBe(expected);
  });
});

describe('isQemuProcess', () => {
  it.each<[string[], string, boolean]>([
    [['/usr/bin/qemu-system-x86_64', '-m', '1G'], 'qemu-system-x86', true],
    [['/usr/libexec/qemu-kvm'], 'qemu-kvm', true],
    [['qemu-system-aarch64'], 'qemu-system-aar', true],
    [[], 'qemu-system-x86', true], // argv rewritten/empty: comm still says QEMU
    [['/usr/bin/dpdk-testpmd', '-l', '0-3'], 'dpdk-testpmd', false],
    [['/usr/bin/cloud-hypervisor', '--memory', 'size=4G'], 'cloud-hypervis', false],
    [['/usr/bin/spdk_tgt'], 'reactor_0', false],
  ])('%j comm=%s -> %s', (argv, comm, expected) => {
    expect(isQemuProcess(argv, comm)).toBe(expected);
  });
});
