import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseLibvirtDomainStatus } from './parse-libvirt-domain-status.js';

const GIB = 1024 ** 3;
const fixture = (name: string) => {
  const file = fileURLToPath(new URL(`../../fixtures/orchestrators/libvirt/run/libvirt/qemu/${name}`, import.meta.url));
  return parseLibvirtDomainStatus(readFileSync(file, 'utf8'), `/run/libvirt/qemu/${name}`);
};

describe('parseLibvirtDomainStatus on the fixture status files', () => {
  it('one hostdev, no vIOMMU: name, uuid (lowercased), pid, 2 GiB, one managed PCI hostdev', () => {
    const domain = fixture('gpu-one.xml');
    expect(domain).toMatchObject({
      name: 'gpu-one',
      uuid: '6f0c2a3e-1b2d-4e5f-8a9b-0c1d2e3f4a01',
      pid: 3101,
      memoryBytes: 2 * GIB,
      hardLimitBytes: null,
      memoryLocked: false,
      iommuModel: null,
      arch: 'x86_64',
      virtType: 'kvm',
      nova: null,
    });
    expect(domain.hostdevs).toEqual([{ mode: 'subsystem', type: 'pci', driver: 'vfio', pciAddress: '0000:41:00.0', managed: true }]);
  });

  it('vIOMMU + 2 hostdevs: <interface type=hostdev> counts as a hostdev, <memory unit=GiB> is scaled', () => {
    const domain = fixture('gpu-viommu.xml');
    expect(domain.memoryBytes).toBe(4 * GIB);
    expect(domain.iommuModel).toBe('intel');
    expect(domain.hostdevs.map((h) => [h.pciAddress, h.managed])).toEqual([
      ['0000:41:00.1', false],
      ['0000:3b:02.3', true],
    ]);
  });

  it('<memoryBacking><locked/>', () => {
    expect(fixture('locked.xml')).toMatchObject({ name: 'dpdk-locked', memoryLocked: true, memoryBytes: 8 * GIB });
  });

  it('<memtune><hard_limit> 6 GiB', () => {
    expect(fixture('hard-limit.xml')).toMatchObject({ name: 'capped', hardLimitBytes: 6 * GIB, iommuModel: 'intel' });
    expect(fixture('hard-limit.xml').hostdevs).toHaveLength(2);
  });

  it('Nova metadata: instance name, flavor, project and user with their uuids', () => {
    expect(fixture('instance-0000002a.xml').nova).toEqual({
      name: 'web-7',
      flavor: 'g1.gpu',
      projectName: 'demo',
      projectUuid: '3f1d2c3b4a5948372615a4b3c2d1e0f9',
      userName: 'alice',
      userUuid: '9a2b7c3d4e5f40718293a4b5c6d7e8f9',
    });
  });
});

const domstatus = (domain: string) => `<domstatus state='running' pid='42'><devices><device alias='hostdev0'/></devices>${domain}</domstatus>`;

describe('parseLibvirtDomainStatus edge cases', () => {
  it.each([
    ['no unit: KiB', `<memory>1048576</memory>`, GIB],
    ['bytes', `<memory unit='bytes'>1073741824</memory>`, GIB],
    ['MiB', `<memory unit='MiB'>1024</memory>`, GIB],
    ['G', `<memory unit='G'>1</memory>`, GIB],
    ['GB (decimal)', `<memory unit='GB'>1</memory>`, 1e9],
  ])('<memory> %s', (_what, memory, bytes) => {
    expect(parseLibvirtDomainStatus(domstatus(`<domain type='kvm'><name>a</name>${memory}</domain>`), 'f').memoryBytes).toBe(bytes);
  });

  it('hard_limit at VIR_DOMAIN_MEMORY_PARAM_UNLIMITED is not a limit', () => {
    const xml = domstatus(`<domain><name>a</name><memtune><hard_limit unit='KiB'>9007199254740991</hard_limit></memtune></domain>`);
    expect(parseLibvirtDomainStatus(xml, 'f').hardLimitBytes).toBeNull();
  });

  it('the Nova namespace is found by URI whatever its prefix; other metadata is not Nova', () => {
    const nova = `<metadata><os:instance xmlns:os="http://openstack.org/xmlns/libvirt/nova/1.0"><os:name>x</os:name></os:instance></metadata>`;
    expect(parseLibvirtDomainStatus(domstatus(`<domain><name>a</name>${nova}</domain>`), 'f').nova?.name).toBe('x');
    const other = `<metadata><app:instance xmlns:app="http://example.org/app"><app:name>y</app:name></app:instance></metadata>`;
    expect(parseLibvirtDomainStatus(domstatus(`<domain><name>a</name>${other}</domain>`), 'f').nova).toBeNull();
  });

  it('only the <domain> devices count, not domstatus own <devices> list; nvme disks and vdpa interfaces are counted', () => {
    const xml = domstatus(
      `<domain><name>a</name><devices><disk type='nvme' device='disk'/><disk type='file'/><interface type='vdpa'/></devices></domain>`,
    );
    expect(parseLibvirtDomainStatus(xml, 'f')).toMatchObject({ hostdevs: [], nvmeDisks: 1, vdpaInterfaces: 1 });
  });

  it.each([
    ['empty file', '', /f: not well-formed XML|f: no <domstatus><domain> element/],
    ['truncated', "<domstatus><domain><name>a</name>", /f: not well-formed XML/],
    ['no name', '<domstatus><domain/></domstatus>', /f: <domain> has no <name>/],
    ['bad memory', '<domain><name>a</name><memory>lots</memory></domain>', /f: <memory> is not a number: "lots"/],
    ['bad unit', "<domain><name>a</name><memory unit='furlongs'>1</memory></domain>", /f: <memory> has an unknown unit "furlongs"/],
  ])('%s: an error naming the file', (_what, xml, message) => {
    expect(() => parseLibvirtDomainStatus(xml, 'f')).toThrow(message);
  });
});
