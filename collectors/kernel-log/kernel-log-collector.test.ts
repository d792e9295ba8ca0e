import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorError } from '../../model/host-sample.js';
import { silentLogger } from '../../model/logger.js';
import { emptyDraft } from '../collector.js';
import { createKernelLogCollector } from './kernel-log-collector.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function host(kmsg: string | null): { paths: { procfs: string; sysfs: string; devfs: string }; kmsgPath: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pinwatch-kmsg-'));
  dirs.push(root);
  const paths = { procfs: path.join(root, 'proc'), sysfs: path.join(root, 'sys'), devfs: path.join(root, 'dev') };
  fs.mkdirSync(paths.procfs, { recursive: true });
  fs.mkdirSync(paths.devfs, { recursive: true });
  fs.writeFileSync(path.join(paths.procfs, 'uptime'), '200.00 350.00\n'); // booted 200 s before nowMs
  const kmsgPath = path.join(paths.devfs, 'kmsg');
  if (kmsg !== null) fs.writeFileSync(kmsgPath, kmsg);
  return { paths, kmsgPath };
}

describe('KernelLogCollector', () => {
  it('marks the records already in the log at start-up as beforeStart, and later ones not', () => {
    // The real record of the 6.1 capture, as /dev/kmsg frames it, after an unrelated one.
    const { paths, kmsgPath } = host('6,1100,4295188,-;VFIO - User Level meta-driver version: 0.3\n4,1203,176341724,-;vfio_pin_pages_remote: RLIMIT_MEMLOCK (33554432) exceeded\n');
    const collector = createKernelLogCollector({ paths, logger: silentLogger, nowMs: () => 1_000_000 });
    const errors: CollectorError[] = [];
    const ctx = { paths, nowMs: 1_000_000, errors: { report: (e: CollectorError) => errors.push(e) } };
    const first = emptyDraft();
    collector.collect(ctx, first);
    expect(first.kernelLogEvents).toEqual([
      {
        kind: 'memlock_exceeded', limitBytes: 33554432, comm: null, pid: null, sequence: 1203, monotonicUs: 176341724,
        atMs: 976_342, beforeStart: true, message: 'vfio_pin_pages_remote: RLIMIT_MEMLOCK (33554432) exceeded',
      },
    ]);
    fs.appendFileSync(kmsgPath, '4,1300,190000000,-;vfio_pin_page_external: Task qemu-kvm (4242) RLIMIT_MEMLOCK (67108864) exceeded\nnot a record\n');
    const second = emptyDraft();
    collector.collect(ctx, second);
    expect(second.kernelLogEvents.map((e) => [e.kind, e.pid, e.beforeStart])).toEqual([['external_memlock_exceeded', 4242, false]]);
    expect(errors.map((e) => e.reason)).toEqual(['malformed']);
    expect(errors[0]?.message).toContain('"not a record"');
    collector.close();
  });

  it('dates records from the uptime the host collector already read this cycle, without reading /proc/uptime again', () => {
    const { paths } = host('4,1203,176341724,-;vfio_pin_pages_remote: RLIMIT_MEMLOCK (33554432) exceeded\n');
    fs.rmSync(path.join(paths.procfs, 'uptime')); // would make the fallback read fail
    const collector = createKernelLogCollector({ paths, logger: silentLogger, nowMs: () => 1_000_000 });
    const draft = { ...emptyDraft(), uptimeSeconds: 300 }; // booted 300 s before nowMs
    collector.collect({ paths, nowMs: 1_000_000, errors: { report: () => {} } }, draft);
    // whole milliseconds: events.at_ms is an INTEGER column of a STRICT table
    expect(draft.kernelLogEvents.map((e) => e.atMs)).toEqual([876_342]);
    collector.close();
  });

  it('an absent kmsg is a collector error, not a crash, and is retried next cycle', () => {
    const { paths } = host(null);
    const collector = createKernelLogCollector({ paths, logger: silentLogger, nowMs: () => 0 });
    const errors: CollectorError[] = [];
    const draft = emptyDraft();
    collector.collect({ paths, nowMs: 0, errors: { report: (e) => errors.push(e) } }, draft);
    expect(draft.kernelLogEvents).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.path).toBe(path.join(paths.devfs, 'kmsg'));
  });
});
