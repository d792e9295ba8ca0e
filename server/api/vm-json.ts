/**
 * The JSON the API serves for VMs, as zod schemas (fastify validates and
 * serializes responses with them) and the mappings from the domain records.
 * Byte values are JSON numbers named ...Bytes; times are RFC 3339 strings.
 */
import { z } from 'zod';
import type { ExitedVmLeak, VmEbpfView, VmView } from '../../model/cycle.js';
import type { ErrnoCounts } from '../../model/ebpf-counters.js';
import { type HostSample, isReadComplete } from '../../model/host-sample.js';
import type { SampleRecord, VmRecord } from '../../model/store.js';
import { errnoLabel } from '../metrics/errno-label.js';
import { processStartTimeSeconds } from '../process-start-time.js';

const bytesOrNull = z.number().nullable();

export const findingJsonSchema = z.object({
  kind: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  explanation: z.string(),
});

export const vmEbpfJsonSchema = z.object({
  coverage: z.enum(['full', 'partial']),
  baselineLockedBytes: z.number(),
  baselineAt: z.string(),
  pinnedPagesTotal: z.number(),
  chargedPagesTotal: z.number(),
  unchargedPagesTotal: z.number(),
  unpinnedPagesTotal: z.number(),
  mappedNotChargedPages: z.number(),
  /** errno name (ENOMEM) -> pages. */
  chargeFailedPagesTotal: z.record(z.string(), z.number()),
  /** errno name -> failed vfio_pin_pages_remote calls. */
  mapFailuresTotal: z.record(z.string(), z.number()),
  /** null until /proc and the counters were observed together (analysis/ebpf-observations.ts). */
  lockedDriftBytes: z.number().nullable(),
});

export const vmJsonSchema = z.object({
  /** Store id for /api/v1/vms/:id/history; null until the store recorded the VM. */
  id: z.number().int().nullable(),
  processKey: z.string(),
  vmName: z.string(),
  pid: z.number().int(),
  startTimeTicks: z.number(),
  startedAt: z.string().nullable(),
  comm: z.string(),
  uid: z.number().int(),
  uuid: z.string().nullable(),
  backend: z.enum(['type1', 'iommufd', 'unknown']),
  iommuGroups: z.array(z.number().int()),
  vfioDevices: z.array(
    z.object({ hostAddress: z.string().nullable(), sysfsdev: z.string().nullable(), id: z.string().nullable() }),
  ),
  viommu: z.string().nullable(),
  memLock: z.boolean(),
  guestMemoryBytes: bytesOrNull,
  dmaAddressSpaces: z.number().int(),
  expectedLockedBytes: bytesOrNull,
  lockedBytes: z.number(),
  pinnedBytes: z.number(),
  residentBytes: z.number(),
  hasCapIpcLock: z.boolean(),
  /** RLIMIT_MEMLOCK; null = unlimited. */
  memlockLimit: z.object({ softBytes: bytesOrNull, hardBytes: bytesOrNull }),
  /** null when the soft limit is unlimited. */
  memlockHeadroomBytes: bytesOrNull,
  /** null when the soft limit is unlimited, or 0 with pages locked (an infinite ratio). */
  memlockUsedRatio: z.number().nullable(),
  accountingClass: z.string(),
  findings: z.array(findingJsonSchema),
  ebpf: vmEbpfJsonSchema.nullable(),
  /** false when a file of this process could not be read or parsed this cycle (see readErrors). */
  readComplete: z.boolean(),
  /** Each file that failed this cycle: its host path, the reason (vanished, malformed, permission, io) and why. */
  readErrors: z.array(z.object({ file: z.string(), reason: z.string(), message: z.string() })),
  /** Fields showing the last good value of an earlier cycle. */
  staleFields: z.array(z.string()),
  /** Fields never read well for this process: placeholders (a memlockLimit of nulls here is unknown, not unlimited). */
  unknownFields: z.array(z.string()),
});
export type VmJson = z.infer<typeof vmJsonSchema>;

export const exitedVmJsonSchema = z.object({
  id: z.number().int(),
  processKey: z.string(),
  vmName: z.string(),
  pid: z.number().int(),
  comm: z.string(),
  uuid: z.string().nullable(),
  guestMemoryBytes: bytesOrNull,
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  exitedAt: z.string().nullable(),
  /** Pages still pinned and charged after exit, from the eBPF view; null when none is known. */
  leakedPages: z.number().nullable(),
});
export type ExitedVmJson = z.infer<typeof exitedVmJsonSchema>;

export const storedVmJsonSchema = exitedVmJsonSchema.omit({ leakedPages: true });

export const historySampleJsonSchema = z.object({
  takenAt: z.string(),
  lockedBytes: z.number(),
  pinnedBytes: z.number(),
  residentBytes: z.number(),
  memlockSoftBytes: bytesOrNull,
  memlockHardBytes: bytesOrNull,
  expectedLockedBytes: bytesOrNull,
  accountingClass: z.string(),
  keepAlive: z.boolean(),
});

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Date's range is +-8.64e15 ms (ECMA-262 TimeClip): beyond it toISOString() throws. */
const MAX_DATE_MS = 8.64e15;

/** An RFC 3339 time, or null for a time no Date can hold (a start time of 1e23 ticks): never throws. */
export function isoTimeOrNull(ms: number | null): string | null {
  if (ms === null || !Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) return null;
  return new Date(ms).toISOString();
}

/** JSON has no Infinity or NaN: such a value reads as null. */
function finiteOrNull(value: number | null): number | null {
  return value !== null && Number.isFinite(value) ? value : null;
}

function errnoCountsJson(counts: ErrnoCounts): Record<string, number> {
  const json: Record<string, number> = {};
  for (const [errno, count] of counts) json[errnoLabel(errno)] = count;
  return json;
}

function vmEbpfJson(ebpf: VmEbpfView): z.infer<typeof vmEbpfJsonSchema> {
  return {
    coverage: ebpf.coverage,
    baselineLockedBytes: ebpf.baselineLockedBytes,
    baselineAt: isoTime(ebpf.baselineAtMs),
    pinnedPagesTotal: ebpf.pinnedPagesTotal,
    chargedPagesTotal: ebpf.chargedPagesTotal,
    unchargedPagesTotal: ebpf.unchargedPagesTotal,
    unpinnedPagesTotal: ebpf.unpinnedPagesTotal,
    mappedNotChargedPages: ebpf.mappedNotChargedPages,
    chargeFailedPagesTotal: errnoCountsJson(ebpf.chargeFailedPagesTotal),
    mapFailuresTotal: errnoCountsJson(ebpf.mapFailuresTotal),
    lockedDriftBytes: ebpf.lockedDriftBytes,
  };
}

export function vmJson(view: VmView, sample: HostSample, storeId: number | null): VmJson {
  const { process, analysis } = view;
  const startSeconds = processStartTimeSeconds(sample, process);
  const ratio = analysis.memlockUsedRatio;
  return {
    id: storeId,
    processKey: analysis.processKey,
    vmName: analysis.vmName,
    pid: process.pid,
    startTimeTicks: process.startTimeTicks,
    startedAt: startSeconds === null ? null : isoTimeOrNull(startSeconds * 1000),
    comm: process.comm,
    uid: process.uid,
    uuid: process.qemu?.uuid ?? null,
    backend: process.backend,
    iommuGroups: process.iommuGroups,
    vfioDevices: process.qemu?.vfioDevices ?? [],
    viommu: process.qemu?.viommu ?? null,
    memLock: process.qemu?.memLock ?? false,
    guestMemoryBytes: analysis.guestMemoryBytes,
    dmaAddressSpaces: analysis.dmaAddressSpaces,
    expectedLockedBytes: analysis.expectedLockedBytes,
    lockedBytes: process.lockedBytes,
    pinnedBytes: process.pinnedBytes,
    residentBytes: process.residentBytes,
    hasCapIpcLock: process.hasCapIpcLock,
    memlockLimit: { softBytes: finiteOrNull(process.memlockLimit.softBytes), hardBytes: finiteOrNull(process.memlockLimit.hardBytes) },
    memlockHeadroomBytes: finiteOrNull(analysis.memlockHeadroomBytes),
    // JSON has no Infinity: a soft limit of 0 with pages locked reads as null, next to softBytes 0.
    memlockUsedRatio: ratio !== null && Number.isFinite(ratio) ? ratio : null,
    accountingClass: analysis.accountingClass,
    findings: analysis.findings.map(({ kind, severity, explanation }) => ({ kind, severity, explanation })),
    ebpf: view.ebpf ? vmEbpfJson(view.ebpf) : null,
    readComplete: isReadComplete(process),
    readErrors: (process.readErrors ?? []).map((error) => ({ file: error.path, reason: error.reason, message: error.message })),
    staleFields: [...(process.staleFields ?? [])],
    unknownFields: [...(process.unknownFields ?? [])],
  };
}

export function storedVmJson(record: VmRecord): z.infer<typeof storedVmJsonSchema> {
  return {
    id: record.id,
    processKey: record.processKey,
    vmName: record.vmName,
    pid: record.pid,
    comm: record.comm,
    uuid: record.uuid,
    guestMemoryBytes: record.guestMemoryBytes,
    firstSeenAt: isoTime(record.firstSeenMs),
    lastSeenAt: isoTime(record.lastSeenMs),
    exitedAt: record.exitedAtMs === null ? null : isoTime(record.exitedAtMs),
  };
}

export function exitedVmJson(record: VmRecord, leaks: readonly ExitedVmLeak[]): ExitedVmJson {
  const leak = leaks.find((candidate) => candidate.processKey === record.processKey);
  return { ...storedVmJson(record), leakedPages: leak ? leak.leakedPages : null };
}

export function historySampleJson(sample: SampleRecord): z.infer<typeof historySampleJsonSchema> {
  return {
    takenAt: isoTime(sample.takenAtMs),
    lockedBytes: sample.lockedBytes,
    pinnedBytes: sample.pinnedBytes,
    residentBytes: sample.residentBytes,
    memlockSoftBytes: sample.memlockSoftBytes,
    memlockHardBytes: sample.memlockHardBytes,
    expectedLockedBytes: sample.expectedLockedBytes,
    accountingClass: sample.accountingClass,
    keepAlive: sample.keepAlive,
  };
}
