/**
 * Pure parsers for the kernel log as /dev/kmsg gives it (Documentation/ABI/testing/dev-kmsg):
 * one record per read, "PRI,SEQ,USEC,FLAGS[,...];MESSAGE\n" followed by optional
 * " KEY=VALUE" continuation lines, and the recognisers for the VFIO records pinwatch
 * turns into events (DOMAIN.md sections 2 and 4).
 */
import type { KernelLogEvent } from '../../model/host-sample.js';
import { fitsU64 } from '../kernel-range.js';

export interface KmsgRecord {
  /** syslog priority (level + facility << 3). */
  priority: number;
  sequence: number;
  /** Monotonic microseconds since boot. */
  monotonicUs: number;
  message: string;
}

export type KmsgParseResult = { ok: true; record: KmsgRecord } | { ok: false; message: string };

export function parseKmsgRecord(text: string): KmsgParseResult {
  const firstLine = text.split('\n')[0] ?? '';
  const semicolon = firstLine.indexOf(';');
  if (semicolon < 0) return { ok: false, message: `kmsg record without ";": ${JSON.stringify(firstLine.slice(0, 200))}` };
  const fields = firstLine.slice(0, semicolon).split(',');
  const [priority, sequence, usec] = fields.map((field) => (/^\d+$/.test(field) ? Number(field) : NaN));
  if (fields.length < 3 || !Number.isFinite(priority) || !Number.isFinite(sequence) || !Number.isFinite(usec)) {
    return { ok: false, message: `kmsg record with a bad prefix: ${JSON.stringify(firstLine.slice(0, 200))}` };
  }
  return {
    ok: true,
    record: {
      priority: priority as number,
      sequence: sequence as number,
      monotonicUs: usec as number,
      // kmsg escapes non-printable bytes as \xNN; the messages we match are plain ASCII.
      message: firstLine.slice(semicolon + 1),
    },
  };
}

/** Split a buffer holding one or more records (a regular file in tests, dmesg dumps) into records. */
export function splitKmsgRecords(text: string): string[] {
  const records: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith(' ') && records.length > 0) records[records.length - 1] += `\n${line}`;
    else records.push(line);
  }
  return records;
}

export type RecognisedKernelMessage = Pick<KernelLogEvent, 'kind' | 'limitBytes' | 'comm' | 'pid'>;

// drivers/vfio/vfio_iommu_type1.c: pr_warn("%s: RLIMIT_MEMLOCK (%ld) exceeded\n", __func__, limit << PAGE_SHIFT)
const PIN_REMOTE = /^vfio_pin_pages_remote: RLIMIT_MEMLOCK \((\d+)\) exceeded$/;
// older type1: pr_warn("%s: Task %s (%d) RLIMIT_MEMLOCK (%ld) exceeded\n", __func__, current->comm, task_pid_nr(current), ...)
const PIN_EXTERNAL = /^vfio_pin_page_external: Task (.*) \((\d+)\) RLIMIT_MEMLOCK \((\d+)\) exceeded$/;
// drivers/iommu/iommufd/vfio_compat.c / main.c at module load
const IOMMUFD_COMPAT = /IOMMUFD is providing \/dev\/vfio\/vfio, not VFIO\./;

/** The VFIO message a log line carries, or null. Accepts a "[  176.341724] " dmesg prefix. */
export function recogniseKernelMessage(message: string): RecognisedKernelMessage | null {
  const text = message.replace(/^\[\s*\d+\.\d+\]\s*/, '').trim();
  let match = PIN_REMOTE.exec(text);
  // The limit is a %ld: a number past 2^64 is no record the kernel printed.
  if (match) return fitsU64(match[1] ?? '') ? { kind: 'memlock_exceeded', limitBytes: Number(match[1]), comm: null, pid: null } : null;
  match = PIN_EXTERNAL.exec(text);
  if (match) {
    if (!fitsU64(match[3] ?? '') || !/^\d{1,10}$/.test(match[2] ?? '')) return null;
    return { kind: 'external_memlock_exceeded', limitBytes: Number(match[3]), comm: match[1] as string, pid: Number(match[2]) };
  }
  if (IOMMUFD_COMPAT.test(text)) return { kind: 'iommufd_compat', limitBytes: null, comm: null, pid: null };
  return null;
}
