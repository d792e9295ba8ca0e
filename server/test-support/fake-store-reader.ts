/** An in-memory StoreReader for server tests, recording the queries it was asked. */
import type { EventQuery, EventRecord, FindingRecord, SampleRecord, StoreReader, VmRecord } from '../../model/store.js';

export interface FakeStoreContents {
  vms?: VmRecord[];
  samplesByVmId?: Map<number, SampleRecord[]>;
  events?: EventRecord[];
}

export interface FakeStoreReader extends StoreReader {
  historyQueries: Array<{ vmId: number; fromMs: number; toMs: number; limit: number }>;
  eventQueries: EventQuery[];
}

export function fakeStoreReader(contents: FakeStoreContents = {}): FakeStoreReader {
  const vms = contents.vms ?? [];
  const historyQueries: FakeStoreReader['historyQueries'] = [];
  const eventQueries: EventQuery[] = [];
  return {
    historyQueries,
    eventQueries,
    getVm: (id) => vms.find((vm) => vm.id === id) ?? null,
    listVms: ({ includeExited }) => vms.filter((vm) => includeExited || vm.exitedAtMs === null),
    vmHistory(vmId, fromMs, toMs, limit) {
      historyQueries.push({ vmId, fromMs, toMs, limit });
      const samples = contents.samplesByVmId?.get(vmId) ?? [];
      return samples.filter((s) => s.takenAtMs >= fromMs && s.takenAtMs <= toMs).slice(0, limit);
    },
    openFindings: (): FindingRecord[] => [],
    events(query) {
      eventQueries.push(query);
      return (contents.events ?? []).slice(0, query.limit);
    },
  };
}

export function testVmRecord(overrides: Partial<VmRecord> = {}): VmRecord {
  return {
    id: 7,
    processKey: '6f1c3c1e-8d47-4f0e-9a0b-2f4d1b2e7c11:4242:100000',
    bootId: '6f1c3c1e-8d47-4f0e-9a0b-2f4d1b2e7c11',
    pid: 4242,
    startTimeTicks: 100000,
    vmName: 'web-01',
    comm: 'qemu-system-x86',
    uuid: '0c8f1b52-6d2e-4d59-9a43-3c8e2f1d7a10',
    guestMemoryBytes: 4 * 1024 ** 3,
    firstSeenMs: Date.UTC(2024, 4, 1, 10, 0, 0),
    lastSeenMs: Date.UTC(2024, 4, 1, 12, 0, 0),
    exitedAtMs: null,
    ...overrides,
  };
}
