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

/** Large enough for any /proc/PID/status, stat or limits (1.5 KiB, 0.4 KiB, 1.6 KiB on 6.x). */
const SMALL_FILE_INITIAL_BYTES = 16 * 1024;

/**
 * How much of each host file kind is read at most: what the parser needs,
 * with room for the largest file a real kernel prints. A file past its cap
 * (a 10 MB status pushed RSS from 109 to 252 MiB) is read up to the cap, its
 * last partial line dropped; the parser then decides whether what it needs
 * is there.
 */
export const HOST_FILE_READ_CAP_BYTES = {
  /** status: the Groups: line can list NGROUPS_MAX (65536) gids of up to 11 characters before the Vm* lines. */
  status: 1024 * 1024,
  /** stat: 52 numbers of at most 20 digits and a 64-byte comm. */
  stat: 4 * 1024,
  /** limits: 17 rows of 80 characters (proc_pid_limits()). */
  limits: 64 * 1024,
  /** cmdline: a libvirt QEMU argv is 5-30 KiB; get_mm_cmdline() can give up to the argv area (MAX_ARG_STRLEN per string). */
  cmdline: 4 * 1024 * 1024,
} as const;

/** Text read from a host file, possibly cut at the read cap. */
export interface CappedText {
  text: string;
  /** true when the file was longer than the cap: text ends at the last whole line before it. */
  truncated: boolean;
}

/**
 * Reads small procfs files through one reusable buffer: open, read, close.
 * readFileSync costs two more syscalls per file (fstat, which says 0 bytes
 * for procfs anyway, and a read that returns EOF) and its option parsing;
 * with one status file per process per cycle that was ~25% of the file
 * reading time of a steady cycle (7.9 -> 5.9 us a file on tmpfs, measured).
 *
 * A short read is taken as the end of the file. That holds for the files
 * this is used on: status, stat and limits are single_open seq_files
 * (fs/proc/base.c), whose whole text is produced by one show() and handed
 * out by seq_read_iter() up to the reader's buffer size in one read. A read
 * that fills the buffer is followed by more reads (the buffer grows), so a
 * longer file is still read whole, up to maxBytes: the buffer never grows
 * past maxBytes + 1 (one byte more tells a file of exactly maxBytes from a
 * longer one). Not for files written concurrently.
 *
 * One instance per collector (the buffer is its state, never module-level);
 * synchronous, so one buffer is never used by two reads at once.
 */
export class SmallHostFileReader {
  private buffer = Buffer.allocUnsafe(SMALL_FILE_INITIAL_BYTES);

  readText(path: string, maxBytes: number = HOST_FILE_READ_CAP_BYTES.status): string {
    return this.readCapped(path, maxBytes).text;
  }

  readCapped(path: string, maxBytes: number): CappedText {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (error) {
      throw hostFileErrorFromFs(path, error);
    }
    try {
      const limit = maxBytes + 1;
      let length = 0;
      for (;;) {
        const wanted = Math.min(this.buffer.length, limit) - length;
        const read = fs.readSync(fd, this.buffer, length, wanted, null);
        length += read;
        if (read < wanted || length >= limit) break;
        const grown = Buffer.allocUnsafe(Math.min(this.buffer.length * 2, limit));
        this.buffer.copy(grown, 0, 0, length);
        this.buffer = grown;
      }
      if (length <= maxBytes) return { text: this.buffer.toString('utf8', 0, length), truncated: false };
      // Past the cap: keep whole lines only, so no value is read from a cut line.
      const lastNewline = this.buffer.lastIndexOf(0x0a, maxBytes - 1);
      return { text: this.buffer.toString('utf8', 0, lastNewline + 1), truncated: true };
    } catch (error) {
      throw hostFileErrorFromFs(path, error);
    } finally {
      fs.closeSync(fd);
    }
  }
}

/**
 * Raw bytes up to maxBytes (cmdline: NUL-separated, any bytes). A longer
 * file is cut after its last NUL before the cap, so no argument is half read.
 */
export function readHostBytesCapped(path: string, maxBytes: number): { bytes: Buffer; truncated: boolean } {
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (error) {
    throw hostFileErrorFromFs(path, error);
  }
  try {
    const chunks: Buffer[] = [];
    let length = 0;
    const limit = maxBytes + 1;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit - length));
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      length += read;
      if (length >= limit) break;
    }
    const bytes = Buffer.concat(chunks, length);
    if (length <= maxBytes) return { bytes, truncated: false };
    const lastNul = bytes.lastIndexOf(0, maxBytes - 1);
    return { bytes: bytes.subarray(0, lastNul + 1), truncated: true };
  } catch (error) {
    throw hostFileErrorFromFs(path, error);
  } finally {
    fs.closeSync(fd);
  }
}
