/**
 * The one-line host files the 'host' collector reads. Each parser takes the
 * file's text and its path (to name it in errors).
 */
import { malformedLineError } from '../host-file-error.js';

const BOOT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** /proc/sys/kernel/random/boot_id: a random UUID per boot (drivers/char/random.c). */
export function parseBootId(text: string, path: string): string {
  const line = text.trim();
  if (!BOOT_ID.test(line)) throw malformedLineError(path, line, 'expected a UUID');
  return line;
}

/** /proc/uptime: "<uptime seconds> <idle seconds>" (fs/proc/uptime.c). */
export function parseUptimeSeconds(text: string, path: string): number {
  const line = text.trim();
  const first = line.split(/\s+/)[0] ?? '';
  if (!/^\d+(\.\d+)?$/.test(first)) throw malformedLineError(path, line, 'expected "<seconds> <idle seconds>"');
  return Number(first);
}

/** /proc/sys/kernel/osrelease: `uname -r`. */
export function parseOsRelease(text: string, path: string): string {
  const line = text.trim();
  if (line === '' || /\s/.test(line)) throw malformedLineError(path, line, 'expected one release string');
  return line;
}
