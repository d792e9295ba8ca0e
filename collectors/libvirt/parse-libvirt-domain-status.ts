/**
 * Pure parser for libvirt's live domain status XML, the file the QEMU driver
 * keeps for each running domain (/run/libvirt/qemu/<name>.xml, written by
 * virDomainObjSave() with VIR_DOMAIN_DEF_FORMAT_STATUS): a `<domstatus>`
 * element holding libvirt's private state and the live `<domain>` definition.
 * Only the `<domain>` child is read (domstatus has its own `<devices>` list of
 * device aliases, which is not the domain's).
 */
import { XMLParser } from 'fast-xml-parser';
import type { LibvirtDomain, LibvirtHostdev, NovaInstanceMetadata } from '../../model/orchestrator.js';

/** Thrown for a file that is not a domain status XML; names the file and what is wrong. */
export class LibvirtStatusParseError extends Error {
  constructor(
    readonly sourcePath: string,
    message: string,
  ) {
    super(`${sourcePath}: ${message}`);
    this.name = 'LibvirtStatusParseError';
  }
}

type XmlNode = Record<string, unknown>;

/** Elements that may repeat, so they are always arrays (fast-xml-parser gives a lone one as an object). */
const REPEATED_ELEMENTS = new Set(['hostdev', 'interface', 'disk', 'iommu']);

function createParser(): XMLParser {
  return new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    // No entity expansion: the file is root-owned, but a parser for host files has no use for it.
    processEntities: false,
    isArray: (name) => REPEATED_ELEMENTS.has(name),
  });
}

/** The multipliers virScaleInteger() accepts for a libvirt `unit=` (src/util/virutil.c). */
const UNIT_BYTES: ReadonlyMap<string, number> = new Map([
  ['b', 1],
  ['bytes', 1],
  ['kb', 1000],
  ['k', 1024],
  ['kib', 1024],
  ['mb', 1000 ** 2],
  ['m', 1024 ** 2],
  ['mib', 1024 ** 2],
  ['gb', 1000 ** 3],
  ['g', 1024 ** 3],
  ['gib', 1024 ** 3],
  ['tb', 1000 ** 4],
  ['t', 1024 ** 4],
  ['tib', 1024 ** 4],
  ['pb', 1000 ** 5],
  ['p', 1024 ** 5],
  ['pib', 1024 ** 5],
]);

/**
 * libvirt's "unlimited" for memtune values: VIR_DOMAIN_MEMORY_PARAM_UNLIMITED
 * (9007199254740991 KiB); virMemoryLimitIsSet() treats it as not set.
 */
const MEMORY_PARAM_UNLIMITED_KIB = 9007199254740991;

function asNode(value: unknown): XmlNode | null {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as XmlNode;
  // An empty element (<locked/>) parses to "": present, without content.
  if (value === '') return {};
  return null;
}

function asNodes(value: unknown): XmlNode[] {
  if (!Array.isArray(value)) return [];
  return value.map(asNode).filter((node): node is XmlNode => node !== null);
}

function text(value: unknown): string | null {
  if (typeof value === 'string') return value.trim();
  const node = asNode(value);
  const inner = node?.['#text'];
  return typeof inner === 'string' ? inner.trim() : null;
}

function attribute(node: XmlNode | null, name: string): string | null {
  const value = node?.[`@_${name}`];
  return typeof value === 'string' ? value : null;
}

/** `<memory unit='KiB'>N</memory>` -> bytes (the default unit is KiB, as in virDomainParseMemory). */
function scaledBytes(value: unknown, sourcePath: string, element: string): number | null {
  if (value === undefined) return null;
  const digits = text(value);
  const unit = (attribute(asNode(value), 'unit') ?? 'KiB').toLowerCase();
  const multiplier = UNIT_BYTES.get(unit);
  if (digits === null || !/^\d+$/.test(digits)) {
    throw new LibvirtStatusParseError(sourcePath, `<${element}> is not a number: ${JSON.stringify(digits)}`);
  }
  if (multiplier === undefined) throw new LibvirtStatusParseError(sourcePath, `<${element}> has an unknown unit ${JSON.stringify(unit)}`);
  return Number(digits) * multiplier;
}

/** `<address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>` -> 0000:01:00.0. */
function pciAddress(address: XmlNode | null): string | null {
  if (!address) return null;
  const parts = ['domain', 'bus', 'slot', 'function'].map((name) => attribute(address, name));
  if (parts.some((part) => part === null || !/^(0x)?[0-9a-fA-F]+$/.test(part))) return null;
  const [domain, bus, slot, fn] = parts.map((part) => Number.parseInt((part ?? '').replace(/^0x/i, ''), 16)) as [
    number,
    number,
    number,
    number,
  ];
  const hex = (value: number, width: number) => value.toString(16).padStart(width, '0');
  return `${hex(domain, 4)}:${hex(bus, 2)}:${hex(slot, 2)}.${fn.toString(16)}`;
}

function readHostdev(node: XmlNode): LibvirtHostdev {
  const source = asNode(node['source']);
  return {
    mode: attribute(node, 'mode') ?? 'subsystem',
    type: attribute(node, 'type') ?? '',
    driver: attribute(asNode(node['driver']), 'name'),
    pciAddress: pciAddress(asNode(source?.['address'])),
    managed: attribute(node, 'managed') === 'yes',
  };
}

/** `<interface type='hostdev'>` is kept in def->hostdevs too (virDomainNetDefParseXML): a PCI hostdev. */
function readHostdevInterface(node: XmlNode): LibvirtHostdev {
  const source = asNode(node['source']);
  return {
    mode: 'subsystem',
    type: 'pci',
    driver: attribute(asNode(node['driver']), 'name'),
    pciAddress: pciAddress(asNode(source?.['address'])),
    managed: attribute(node, 'managed') === 'yes',
  };
}

const NOVA_NAMESPACE_PREFIX = 'http://openstack.org/xmlns/libvirt/nova/';

/**
 * `<metadata><nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">`.
 * The prefix is whatever the writer chose: found by its namespace URI, not by name.
 */
function readNovaMetadata(metadata: XmlNode | null): NovaInstanceMetadata | null {
  if (!metadata) return null;
  for (const [key, value] of Object.entries(metadata)) {
    const node = asNode(value);
    if (!node || !key.endsWith(':instance') && key !== 'instance') continue;
    const prefix = key.includes(':') ? key.slice(0, key.indexOf(':')) : null;
    const namespace = attribute(node, prefix === null ? 'xmlns' : `xmlns:${prefix}`);
    if (namespace === null || !namespace.startsWith(NOVA_NAMESPACE_PREFIX)) continue;
    const child = (name: string) => node[prefix === null ? name : `${prefix}:${name}`];
    const owner = asNode(child('owner'));
    const ownerChild = (name: string) => (owner ? owner[prefix === null ? name : `${prefix}:${name}`] : undefined);
    return {
      name: text(child('name')),
      flavor: attribute(asNode(child('flavor')), 'name'),
      projectName: text(ownerChild('project')),
      projectUuid: attribute(asNode(ownerChild('project')), 'uuid'),
      userName: text(ownerChild('user')),
      userUuid: attribute(asNode(ownerChild('user')), 'uuid'),
    };
  }
  return null;
}

/**
 * One status XML -> the domain facts pinwatch judges. Throws a
 * LibvirtStatusParseError naming the file for XML that does not parse or has
 * no `<domain>` with a `<name>`. Also accepts a bare `<domain>` (an inactive
 * definition), whose pid is then null.
 */
export function parseLibvirtDomainStatus(xml: string, sourcePath: string): LibvirtDomain {
  let document: XmlNode;
  try {
    document = createParser().parse(xml, true) as XmlNode;
  } catch (error) {
    throw new LibvirtStatusParseError(sourcePath, `not well-formed XML: ${error instanceof Error ? error.message : String(error)}`);
  }
  const status = asNode(document['domstatus']);
  const domain = asNode(status ? status['domain'] : document['domain']);
  if (!domain) throw new LibvirtStatusParseError(sourcePath, 'no <domstatus><domain> element');
  const name = text(domain['name']);
  if (!name) throw new LibvirtStatusParseError(sourcePath, '<domain> has no <name>');

  const pidText = attribute(status, 'pid');
  const pid = pidText !== null && /^\d+$/.test(pidText) ? Number(pidText) : null;

  const memtune = asNode(domain['memtune']);
  let hardLimitBytes: number | null = null;
  if (memtune && memtune['hard_limit'] !== undefined) {
    const bytes = scaledBytes(memtune['hard_limit'], sourcePath, 'hard_limit');
    hardLimitBytes = bytes !== null && bytes >= MEMORY_PARAM_UNLIMITED_KIB * 1024 ? null : bytes;
  }

  const devices = asNode(domain['devices']);
  const interfaces = asNodes(devices?.['interface']);
  const hostdevs = [
    ...asNodes(devices?.['hostdev']).map(readHostdev),
    ...interfaces.filter((node) => attribute(node, 'type') === 'hostdev').map(readHostdevInterface),
  ];
  const iommu = asNodes(devices?.['iommu'])[0] ?? null;
  const os = asNode(domain['os']);

  return {
    sourcePath,
    name,
    uuid: text(domain['uuid'])?.toLowerCase() ?? null,
    pid,
    memoryBytes: scaledBytes(domain['memory'], sourcePath, 'memory'),
    maxMemoryBytes: scaledBytes(domain['maxMemory'], sourcePath, 'maxMemory'),
    hardLimitBytes,
    memoryLocked: asNode(domain['memoryBacking'])?.['locked'] !== undefined,
    hostdevs,
    nvmeDisks: asNodes(devices?.['disk']).filter((node) => attribute(node, 'type') === 'nvme').length,
    vdpaInterfaces: interfaces.filter((node) => attribute(node, 'type') === 'vdpa').length,
    iommuModel: iommu ? (attribute(iommu, 'model') ?? 'intel') : null,
    arch: attribute(asNode(os?.['type']), 'arch'),
    virtType: attribute(domain, 'type'),
    nova: readNovaMetadata(asNode(domain['metadata'])),
  };
}
