/**
 * Follows <devfs>/kmsg without blocking: every call to drain() returns the records
 * logged since the previous call. /dev/kmsg returns one record per read() and EAGAIN
 * when none is left (O_NONBLOCK); EPIPE means the ring buffer overwrote records we had
 * not read yet (counted, reading goes on).
 *
 * Records from before start-up: the first drain() happens at open and returns the
 * whole ring buffer marked beforeStart=true; they are KEPT (the store dedupes on
 * sequence, and a "RLIMIT_MEMLOCK exceeded" logged just before pinwatch started is
 * worth seeing) but must not be counted in the _total metrics, which count what
 * happened while pinwatch ran.
 */
import fs from 'node:fs';
import { devPath, type HostPaths } from '../host-paths.js';
import { parseKmsgRecord, splitKmsgRecords, type KmsgRecord } from './parse-kmsg.js';

export interface DrainedRecords {
  records: KmsgRecord[];
  /** Records that did not parse, with the reason quoting them. */
  malformed: string[];
  /** Records lost to ring-buffer overruns (EPIPE). */
  overruns: number;
}

export class KmsgFollower {
  private fd: number | null = null;
  private readonly buffer = Buffer.alloc(16 * 1024);
  readonly path: string;

  constructor(paths: HostPaths) {
    this.path = devPath(paths, 'kmsg');
  }

  isOpen(): boolean {
    return this.fd !== null;
  }

  /** Opens the log; throws the fs error (ENOENT, EACCES: needs CAP_SYSLOG with dmesg_restrict). */
  open(): void {
    if (this.fd !== null) return;
    this.fd = fs.openSync(this.path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  }

  drain(): DrainedRecords {
    const out: DrainedRecords = { records: [], malformed: [], overruns: 0 };
    if (this.fd === null) return out;
    let text = '';
    for (;;) {
      let bytes: number;
      try {
        bytes = fs.readSync(this.fd, this.buffer, 0, this.buffer.length, null);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') break;
        if (code === 'EPIPE') {
          out.overruns += 1;
          continue;
        }
        throw error;
      }
      if (bytes === 0) break; // a regular file (fixtures) at its end
      text += this.buffer.toString('utf8', 0, bytes);
    }
    for (const raw of splitKmsgRecords(text)) {
      const parsed = parseKmsgRecord(raw);
      if (parsed.ok) out.records.push(parsed.record);
      else out.malformed.push(parsed.message);
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }
}
