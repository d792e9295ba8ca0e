import type { QemuIdentity, QemuMemoryBackend, QemuVfioDevice, ViommuModel } from '../../model/host-sample.js';
import { parseQemuOptionList, type QemuOptionValues } from './parse-qemu-option-list.js';
import { parseQemuSizeBytes } from './parse-qemu-size.js';

const MIB = 1024 * 1024;

/** -device drivers that pass a host device through VFIO (hw/vfio/pci.c TYPE_VFIO_PCI*). */
const VFIO_PCI_DRIVERS = new Set(['vfio-pci', 'vfio-pci-nohotplug']);

/** -device drivers that give the guest an IOMMU, and the model each stands for. */
const VIOMMU_DRIVERS: ReadonlyMap<string, ViommuModel> = new Map([
  ['intel-iommu', 'intel-iommu'],
  ['virtio-iommu-pci', 'virtio-iommu'],
  ['virtio-iommu', 'virtio-iommu'],
  ['virtio-iommu-device', 'virtio-iommu'],
  ['amd-iommu', 'amd-iommu'],
]);

/** -device drivers of conventional PCI bridges: the devices behind one share the bridge's requester id. */
const CONVENTIONAL_PCI_BRIDGE_DRIVERS = new Set(['pcie-pci-bridge', 'pci-bridge', 'i82801b11-bridge']);

/** The option values QEMU treats as true (qapi/qobject-input-visitor.c, qemu_opt_get_bool). */
const TRUE_VALUES = new Set(['on', 'yes', 'true', 'y']);

const BDF_FULL = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;
const BDF_SHORT = /^([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;

/** `01:00.0` -> `0000:01:00.0`; lowercases; null when not a PCI address. */
export function normalisePciAddress(text: string): string | null {
  const full = BDF_FULL.exec(text);
  if (full) return text.toLowerCase();
  const short = BDF_SHORT.exec(text);
  if (short) return `0000:${text.toLowerCase()}`;
  return null;
}

/** Collects what the command line says, option by option. */
interface QemuCommandLineState {
  identity: QemuIdentity;
  problems: string[];
}

function readMemoryOption(state: QemuCommandLineState, values: QemuOptionValues, raw: string): void {
  const size = values.get('size');
  if (size !== undefined) {
    const bytes = parseQemuSizeBytes(size, MIB);
    if (bytes === null) state.problems.push(`-m ${JSON.stringify(raw)}: size is not a QEMU size`);
    else state.identity.memoryBytes = bytes;
  }
  const maxmem = values.get('maxmem');
  if (maxmem !== undefined) {
    const bytes = parseQemuSizeBytes(maxmem, 1);
    if (bytes === null) state.problems.push(`-m ${JSON.stringify(raw)}: maxmem is not a QEMU size`);
    else state.identity.maxMemoryBytes = bytes;
  }
}

function readObjectOption(state: QemuCommandLineState, values: QemuOptionValues, raw: string): void {
  const type = values.get('qom-type');
  if (type === undefined || !type.startsWith('memory-backend-')) return;
  const size = values.get('size');
  let sizeBytes: number | null = null;
  if (size !== undefined) {
    sizeBytes = parseQemuSizeBytes(size, 1);
    if (sizeBytes === null) state.problems.push(`-object ${JSON.stringify(raw)}: size is not a QEMU size`);
  }
  const backend: QemuMemoryBackend = { id: values.get('id') ?? null, type, sizeBytes };
  state.identity.memoryBackends.push(backend);
}

function readDeviceOption(state: QemuCommandLineState, values: QemuOptionValues, raw: string): void {
  const driver = values.get('driver');
  if (driver === undefined) return;
  const bridgeId = values.get('id');
  if (CONVENTIONAL_PCI_BRIDGE_DRIVERS.has(driver) && bridgeId !== undefined) {
    (state.identity.conventionalPciBridges ??= []).push(bridgeId);
    return;
  }
  const viommu = VIOMMU_DRIVERS.get(driver);
  if (viommu !== undefined) {
    state.identity.viommu = viommu;
    return;
  }
  if (!VFIO_PCI_DRIVERS.has(driver)) return;
  const host = values.get('host');
  let hostAddress: string | null = null;
  if (host !== undefined) {
    hostAddress = normalisePciAddress(host);
    if (hostAddress === null) state.problems.push(`-device ${JSON.stringify(raw)}: host= is not a PCI address`);
  }
  const device: QemuVfioDevice = { hostAddress, sysfsdev: values.get('sysfsdev') ?? null, id: values.get('id') ?? null };
  // Kept only for a device behind a conventional PCI bridge, the one case where the bus
  // changes the DMA address spaces. QEMU creates -device in order, so a bridge always
  // comes before the devices plugged into it.
  const bus = values.get('bus');
  if (bus !== undefined && state.identity.conventionalPciBridges?.includes(bus)) device.bus = bus;
  state.identity.vfioDevices.push(device);
}

/** Option name -> the key its leading bare value stands for, and what reads it. */
const OPTION_READERS: ReadonlyMap<
  string,
  { impliedKey: string; read: (state: QemuCommandLineState, values: QemuOptionValues, raw: string) => void }
> = new Map([
  [
    'name',
    {
      impliedKey: 'guest',
      read: (state, values) => {
        state.identity.guestName = values.get('guest') ?? state.identity.guestName;
      },
    },
  ],
  ['m', { impliedKey: 'size', read: readMemoryOption }],
  ['object', { impliedKey: 'qom-type', read: readObjectOption }],
  ['device', { impliedKey: 'driver', read: readDeviceOption }],
  [
    'overcommit',
    {
      impliedKey: 'mem-lock',
      read: (state, values) => {
        // QEMU 9.2+ also accepts mem-lock=on-fault: mlockall(MCL_ONFAULT) still charges locked_vm.
        const memLock = values.get('mem-lock');
        if (memLock !== undefined) state.identity.memLock = TRUE_VALUES.has(memLock) || memLock === 'on-fault';
      },
    },
  ],
  [
    'realtime',
    {
      impliedKey: 'mlock',
      read: (state, values) => {
        const mlock = values.get('mlock');
        if (mlock !== undefined) state.identity.memLock = TRUE_VALUES.has(mlock);
      },
    },
  ],
]);

/**
 * What a QEMU command line (argv from /proc/PID/cmdline) says about the
 * guest: name, uuid, RAM, memory backends, mem-lock, vfio-pci devices and
 * vIOMMU. Pure. Options that cannot be parsed are skipped and described in
 * `problems` (when given), so one bad -device never hides the rest.
 * Later options win, as in QEMU (`-name` twice: the last one).
 * Options given as `--name` are read like `-name` (QEMU accepts both).
 */
export function parseQemuCommandLine(argv: readonly string[], problems: string[] = []): QemuIdentity {
  const state: QemuCommandLineState = {
    identity: {
      guestName: null,
      uuid: null,
      memoryBytes: null,
      maxMemoryBytes: null,
      memoryBackends: [],
      memLock: false,
      vfioDevices: [],
      viommu: null,
    },
    problems,
  };

  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === undefined || !arg.startsWith('-') || arg === '-') continue;
    // Only the options pinwatch reads consume their argument; any other
    // option's argument does not start with '-' and is stepped over.
    const option = arg.replace(/^--?/, '');
    const value = argv[i + 1];
    if (option === 'uuid') {
      if (value !== undefined) state.identity.uuid = value.toLowerCase();
      i++;
      continue;
    }
    const reader = OPTION_READERS.get(option);
    if (reader === undefined) continue;
    i++;
    if (value === undefined) {
      problems.push(`-${option}: no argument at the end of the command line`);
      continue;
    }
    let values: QemuOptionValues;
    try {
      values = parseQemuOptionList(value, reader.impliedKey);
    } catch (error) {
      problems.push(`-${option} ${JSON.stringify(value)}: ${error instanceof Error ? error.message : String(error)}`);
      continue;
    }
    reader.read(state, values, value);
  }
  return state.identity;
}
