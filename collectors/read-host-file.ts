/**
 * Synchronous readers for host files. Synchronous on purpose: a cycle reads
 * thousands of tiny procfs files, and readFileSync avoids a promise and a
 * libuv round trip per file, which dominates for files this small.
 * Every failure becomes a HostFileError with a reason (see host-file-error.ts).
 */
import fs from 'node:fs';
import { hostFileErrorFromFs } from './host-file-error.js';

export function readHostText(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (error) {
    throw hostFileErrorFromFs(path, error);
  }
}

/** Raw bytes: /proc/PID/cmdline is NUL-separated and may hold any bytes. */
export function readHostBytes(path: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (error) {
    throw hostFileErrorFromFs(path, error);
  }
}

export function readHostLink(path: string): string {
  try {
    return fs.readlinkSync(path);
  } catch (error) {
    throw hostFileErrorFromFs(path, error);
  }
}

export function listHostDir(path: string): string[] {
  try {
    return fs.readdirSync(path);
  } catch (error) {
    throw hostFileErrorFromFs(path, error);
  }
}

/** Existence check that does not follow a dangling link's absence into an error. */
export function hostPathExists(path: string): boolean {
  try {
    fs.lstatSync(path);
    return true;
  } catch {
    // Any failure (ENOENT, ENOTDIR, EACCES on a parent) means "not visible here".
    return false;
  }
}
