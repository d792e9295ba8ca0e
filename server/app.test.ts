import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CycleResult } from '../model/cycle.js';
import type { StoreReader } from '../model/store.js';
import { buildApp } from './app.js';
import { createPinwatchMetrics } from './metrics/create-pinwatch-metrics.js';
import { SAMPLE_TAKEN_AT_MS, fullCycle } from './test-support/cycle-builder.js';
import { fakeStoreReader, testVmRecord } from './test-support/fake-store-reader.js';

// The clock reads 2024-05-01T12:00:00Z (the fixture's sample time).
const NOW_MS = SAMPLE_TAKEN_AT_MS;
const HOUR_MS = 3_600_000;

function setup(options: { cycle?: CycleResult | null; store?: StoreReader } = {}) {
  const metrics = createPinwatchMetrics({ buildInfo: { version: '0.1.0', nodeVersion: 'v20.19.0' } });
  let cycle = options.cycle === undefined ? fullCycle() : options.cycle;
  if (cycle) metrics.observeCycle(cycle);
  const store =
    options.store ??
    fakeStoreReader({
      vms: [
        testVmRecord(),
        testVmRecord({
          id: 3,
          processKey: '6f1c3c1e-8d47-4f0e-9a0b-2f4d1b2e7c11:3131:50000',
          pid: 3131,
          vmName: 'old-01',
          exitedAtMs: NOW_MS - 60_000,
        }),
      ],
      samplesByVmId: new Map([
        [
          7,
          [
            {
              takenAtMs: NOW_MS - 2 * HOUR_MS,
              lockedBytes: 83755008,
              pinnedBytes: 0,
              residentBytes: 2 * 1024 ** 3,
              memlockSoftBytes: 5 * 1024 ** 3,
              memlockHardBytes: null,
              expectedLockedBytes: 4 * 1024 ** 3,
              accountingClass: 'under',
              keepAlive: false,
            },
          ],
        ],
      ]),
      events: [
        {
          id: 11,
          atMs: NOW_MS - HOUR_MS,
          vmId: 7,
          vmName: 'web-01',
          kind: 'finding-opened',
          severity: 'critical',
          message: 'charge-failed opened on web-01',
          data: { kind: 'charge-failed' },
        },
      ],
    });
  const app = buildApp({
    metrics,
    getLatestCycle: () => cycle,
    store,
    isReady: () => cycle !== null,
    nowMs: () => NOW_MS,
  });
  return { app, store, metrics, setCycle: (next: CycleResult) => ((cycle = next), metrics.observeCycle(next)) };
}

describe('GET / and health', () => {
  it('serves a landing page linking every endpoint, with the version', async () => {
    const { app } = setup();
    const response = await app.inject({ url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
    for (const path of ['/metrics', '/api/v1/vms', '/api/v1/events', '/healthz', '/readyz']) {
      expect(response.body).toContain(`href="${path}"`);
    }
    expect(response.body).toContain('pinwatch 0.1.0');
    // The status: host totals, the VM and its finding, the collectors.
    expect(response.body).toContain('<tr><th scope="row">VMs (VFIO users)</th><td>2</td></tr>');
    expect(response.body).toContain('<tr><th scope="row">host RAM</th><td>64 GiB</td></tr>');
    expect(response.body).toContain('<td class="vm-name">db-01</td>');
    expect(response.body).toContain('<tr class="vm row-critical"><td class="vm-name">web-01</td>');
    expect(response.body).toContain('<li class="finding sev-critical"><strong>critical</strong> charge-failed: 512 pages failed to charge with ENOMEM');
    expect(response.body).toContain('<p id="ebpf-state">eBPF: <strong>off</strong> (collector disabled)</p>');
    expect(response.body).not.toContain('<script');
  });

  it('is alive before the first cycle but ready only after it', async () => {
    const { app, setCycle } = setup({ cycle: null });
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const before = await app.inject({ url: '/readyz' });
    expect(before.statusCode).toBe(503);
    expect(before.json()).toEqual({ status: 'not_ready', reason: 'no collection cycle has finished yet' });
    setCycle(fullCycle());
    const after = await app.inject({ url: '/readyz' });
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual({ status: 'ready', reason: null });
  });
});

describe('GET /metrics', () => {
  it('serves the Prometheus text format by default', async () => {
    const { app } = setup();
    const response = await app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.body).toContain('pinwatch_process_locked_memory_bytes{vm="web-01"} 83755008\n');
    expect(response.body).toContain('# TYPE pinwatch_collection_cycles_total counter\n');
    expect(response.body).not.toContain('# EOF');
  });

  it('serves OpenMetrics when the scraper asks for it', async () => {
    const { app } = setup();
    const response = await app.inject({
      url: '/metrics',
      headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1' },
    });
    expect(response.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(response.headers.vary).toBe('Accept, Accept-Encoding');
    expect(response.body).toContain('# TYPE pinwatch_collection_cycles counter\npinwatch_collection_cycles_total 1\n');
    expect(response.body.endsWith('# EOF\n')).toBe(true);
  });

  it('gzips the exposition when the scraper accepts gzip, as Prometheus does', async () => {
    const { app } = setup();
    const plain = await app.inject({ url: '/metrics' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    // Prometheus's scrape request: Accept-Encoding: gzip.
    const zipped = await app.inject({ url: '/metrics', headers: { 'accept-encoding': 'gzip' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    const text = gunzipSync(zipped.rawPayload).toString('utf8');
    expect(text).toContain('pinwatch_process_locked_memory_bytes{vm="web-01"} 83755008\n');
    expect(zipped.rawPayload.length).toBeLessThan(text.length / 4);
    // gzip;q=0 is a refusal.
    const refused = await app.inject({ url: '/metrics', headers: { 'accept-encoding': 'gzip;q=0, identity' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
  });
});

describe('GET /api/v1/vms', () => {
  it('lists the live VMs of the latest cycle with store ids, limits, findings and eBPF view', async () => {
    const { app } = setup();
    const response = await app.inject({ url: '/api/v1/vms' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.takenAt).toBe('2024-05-01T12:00:00.000Z');
    expect(body.exited).toBeUndefined();
    expect(body.vms.map((vm: { vmName: string }) => vm.vmName)).toEqual(['web-01', 'db-01']);
    const [web, db] = body.vms;
    expect(web).toMatchObject({
      id: 7,
      vmName: 'web-01',
      pid: 4242,
      startedAt: '2024-04-30T12:16:40.000Z',
      comm: 'qemu-system-x86',
      uuid: '0c8f1b52-6d2e-4d59-9a43-3c8e2f1d7a10',
      backend: 'type1',
      iommuGroups: [12],
      vfioDevices: [{ hostAddress: '0000:01:00.0', sysfsdev: null, id: 'hostdev0' }],
      guestMemoryBytes: 4294967296,
      expectedLockedBytes: 4294967296,
      lockedBytes: 83755008,
      pinnedBytes: 0,
      memlockLimit: { softBytes: 5368709120, hardBytes: 5368709120 },
      memlockHeadroomBytes: 5284954112,
      memlockUsedRatio: 0.0156005859375,
      accountingClass: 'under',
      findings: [
        {
          kind: 'charge-failed',
          severity: 'critical',
          explanation: '512 pages failed to charge with ENOMEM: web-01 hit RLIMIT_MEMLOCK (5.0 GiB).',
        },
      ],
    });
    expect(web.ebpf).toMatchObject({
      coverage: 'full',
      pinnedPagesTotal: 20480,
      chargeFailedPagesTotal: { ENOMEM: 512 },
      baselineAt: '2024-05-01T11:00:00.000Z',
    });
    // db-01 is not in the store yet, runs unlimited, and has no eBPF view.
    expect(db).toMatchObject({
      id: null,
      memlockLimit: { softBytes: null, hardBytes: null },
      memlockHeadroomBytes: null,
      memlockUsedRatio: null,
      ebpf: null,
    });
  });

  it('adds exited VMs from the store with their leaks on ?includeExited=true', async () => {
    const { app } = setup();
    const body = (await app.inject({ url: '/api/v1/vms?includeExited=true' })).json();
    expect(body.exited).toEqual([
      {
        id: 3,
        processKey: '6f1c3c1e-8d47-4f0e-9a0b-2f4d1b2e7c11:3131:50000',
        vmName: 'old-01',
        pid: 3131,
        comm: 'qemu-system-x86',
        uuid: '0c8f1b52-6d2e-4d59-9a43-3c8e2f1d7a10',
        guestMemoryBytes: 4294967296,
        firstSeenAt: '2024-05-01T10:00:00.000Z',
        lastSeenAt: '2024-05-01T12:00:00.000Z',
        exitedAt: '2024-05-01T11:59:00.000Z',
        leakedPages: 1024,
      },
    ]);
  });

  it('answers an empty list before the first cycle', async () => {
    const { app } = setup({ cycle: null });
    expect((await app.inject({ url: '/api/v1/vms' })).json()).toEqual({ takenAt: null, vms: [] });
  });

  it('still answers from memory when the store fails, without ids, and counts the failure', async () => {
    const failing = fakeStoreReader();
    failing.listVms = () => {
      throw new Error('SQLITE_BUSY: database is locked');
    };
    const { app, metrics } = setup({ store: failing });
    const body = (await app.inject({ url: '/api/v1/vms' })).json();
    expect(body.vms.map((vm: { id: number | null }) => vm.id)).toEqual([null, null]);
    expect(metrics.render('prometheus').body).toContain('pinwatch_store_errors_total{operation="list_vms"} 1');
  });

  it('rejects a bad includeExited with a 400 naming it', async () => {
    const { app } = setup();
    const response = await app.inject({ url: '/api/v1/vms?includeExited=yes' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'bad_request',
      message: "query parameter 'includeExited': expected 'true' or 'false'",
    });
  });
});

describe('GET /api/v1/vms/:id/history', () => {
  it('defaults to the last 24 hours and returns the samples', async () => {
    const { app, store } = setup();
    const response = await app.inject({ url: '/api/v1/vms/7/history' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.from).toBe('2024-04-30T12:00:00.000Z');
    expect(body.to).toBe('2024-05-01T12:00:00.000Z');
    expect(body.vm).toMatchObject({ id: 7, vmName: 'web-01', exitedAt: null });
    expect(body.samples).toEqual([
      {
        takenAt: '2024-05-01T10:00:00.000Z',
        lockedBytes: 83755008,
        pinnedBytes: 0,
        residentBytes: 2147483648,
        memlockSoftBytes: 5368709120,
        memlockHardBytes: null,
        expectedLockedBytes: 4294967296,
        accountingClass: 'under',
        keepAlive: false,
      },
    ]);
    expect((store as ReturnType<typeof fakeStoreReader>).historyQueries).toEqual([
      { vmId: 7, fromMs: NOW_MS - 24 * HOUR_MS, toMs: NOW_MS, limit: 1000 },
    ]);
  });

  it('accepts RFC 3339 and unix seconds for from and to', async () => {
    const { app, store } = setup();
    const response = await app.inject({ url: '/api/v1/vms/7/history?from=2024-05-01T09:00:00%2B02:00&to=1714564800&limit=5' });
    expect(response.statusCode).toBe(200);
    expect((store as ReturnType<typeof fakeStoreReader>).historyQueries).toEqual([
      { vmId: 7, fromMs: Date.UTC(2024, 4, 1, 7), toMs: 1714564800000, limit: 5 },
    ]);
  });

  it.each([
    ['/api/v1/vms/7/history?from=yesterday', "query parameter 'from': expected an RFC 3339 timestamp (2024-05-01T12:00:00Z) or unix seconds, got 'yesterday'"],
    ['/api/v1/vms/7/history?to=2024-05-01', "query parameter 'to': expected an RFC 3339 timestamp (2024-05-01T12:00:00Z) or unix seconds, got '2024-05-01'"],
    ['/api/v1/vms/7/history?from=1714564800&to=1714478400', "query parameter 'from' (2024-05-01T12:00:00.000Z) is after 'to' (2024-04-30T12:00:00.000Z)"],
    ['/api/v1/vms/7/history?limit=0', "query parameter 'limit': Too small: expected number to be >=1"],
    ['/api/v1/vms/7/history?limit=10001', "query parameter 'limit': Too big: expected number to be <=10000"],
    ['/api/v1/vms/web-01/history', "path parameter 'id': expected a VM store id (an integer, see /api/v1/vms)"],
  ])('GET %s is a 400: %s', async (url, message) => {
    const { app } = setup();
    const response = await app.inject({ url });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: 'bad_request', message });
  });

  it('answers 404 for an unknown VM id', async () => {
    const { app } = setup();
    const response = await app.inject({ url: '/api/v1/vms/99/history' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'not_found', message: 'no VM with id 99 (ids are listed by /api/v1/vms)' });
  });
});

describe('GET /api/v1/events', () => {
  it('passes the window, vm, kind and limit to the store and returns the events', async () => {
    const { app, store } = setup();
    const response = await app.inject({ url: '/api/v1/events?vm=7&kind=finding-opened&limit=50' });
    expect(response.statusCode).toBe(200);
    expect(response.json().events).toEqual([
      {
        id: 11,
        at: '2024-05-01T11:00:00.000Z',
        vmId: 7,
        vmName: 'web-01',
        kind: 'finding-opened',
        severity: 'critical',
        message: 'charge-failed opened on web-01',
        data: { kind: 'charge-failed' },
      },
    ]);
    expect((store as ReturnType<typeof fakeStoreReader>).eventQueries).toEqual([
      { fromMs: NOW_MS - 24 * HOUR_MS, toMs: NOW_MS, limit: 50, vmId: 7, kind: 'finding-opened' },
    ]);
  });

  it('rejects an unknown kind with the list of kinds', async () => {
    const { app } = setup();
    const response = await app.inject({ url: '/api/v1/events?kind=reboot' });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: 'bad_request',
      message:
        "query parameter 'kind': expected one of vm-appeared, vm-exited, finding-opened, finding-closed, memlock-limit-changed, kernel-log, pins-leaked",
    });
  });
});

describe('errors', () => {
  it('counts every 400 by route in pinwatch_http_bad_requests_total', async () => {
    const { app, metrics } = setup();
    const before = metrics.render('prometheus').body;
    expect(before).toContain('pinwatch_http_bad_requests_total{route="/api/v1/events"} 0');
    await app.inject({ url: '/api/v1/events?kind=reboot' });
    await app.inject({ url: '/api/v1/events?limit=0' });
    await app.inject({ url: '/api/v1/vms/7/history?from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z' });
    const after = metrics.render('prometheus').body;
    expect(after).toContain('pinwatch_http_bad_requests_total{route="/api/v1/events"} 2');
    expect(after).toContain('pinwatch_http_bad_requests_total{route="/api/v1/vms/:id/history"} 1');
    expect(after).toContain('pinwatch_http_bad_requests_total{route="/api/v1/vms"} 0');
  });

  it('counts requests by route pattern and code, and 5xx from 0 for every route', async () => {
    const broken = fakeStoreReader();
    broken.getVm = () => {
      throw new Error('SQLITE_BUSY');
    };
    const { app, metrics } = setup({ store: broken });
    await app.ready();
    expect(metrics.render('prometheus').body).toContain('pinwatch_http_server_errors_total{route="/api/v1/vms/:id/history"} 0');
    await app.inject({ url: '/metrics' });
    await app.inject({ url: '/api/v1/vms/7/history' });
    await app.inject({ url: '/api/v1/vms/8/history' });
    await app.inject({ url: '/no/such/page' });
    const text = metrics.render('prometheus').body;
    expect(text).toContain('pinwatch_http_requests_total{route="/metrics",code="200"} 1');
    expect(text).toContain('pinwatch_http_requests_total{route="/api/v1/vms/:id/history",code="500"} 2');
    expect(text).toContain('pinwatch_http_requests_total{route="unmatched",code="404"} 1');
    expect(text).toContain('pinwatch_http_server_errors_total{route="/api/v1/vms/:id/history"} 2');
    expect(text).toContain('pinwatch_http_server_errors_total{route="/metrics"} 0');
  });

  it('answers 404 for an unknown route', async () => {
    const { app } = setup();
    const response = await app.inject({ url: '/api/v2/nothing?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: 'not_found', message: 'no route GET /api/v2/nothing' });
  });

  it('hides the details of a failure inside a handler', async () => {
    const broken = fakeStoreReader();
    broken.getVm = () => {
      throw new Error('SQLITE_CORRUPT: /var/lib/pinwatch/pinwatch.db is malformed');
    };
    const { app } = setup({ store: broken });
    const response = await app.inject({ url: '/api/v1/vms/7/history' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: 'internal', message: 'internal error; the details are in the pinwatch log' });
  });
});
