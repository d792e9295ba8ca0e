import { malformedLineError } from '../host-file-error.js';
import { fitsU64 } from '../kernel-range.js';

/** A PCI id attribute (vendor, device, class): "0x10de\n" (drivers/pci/pci-sysfs.c). */
export function parsePciIdAttribute(text: string, path: string): string {
  const line = text.trim();
  if (!/^0x[0-9a-f]+$/i.test(line)) throw malformedLineError(path, line, 'expected a hex id like 0x10de');
  return line.toLowerCase();
}

/** A module parameter holding an unsigned number (e.g. dma_entry_limit "65535\n"). */
export function parseUnsignedAttribute(text: string, path: string): number {
  const line = text.trim();
  if (!/^\d+$/.test(line)) throw malformedLineError(path, line, 'expected an unsigned number');
  // Module parameters are at most unsigned long (param_get_ulong()).
  if (!fitsU64(line)) throw malformedLineError(path, line, 'does not fit an unsigned long');
  return Number(line);
}
