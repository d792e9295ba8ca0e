import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../model/logger.js';
import { emptyDraft } from '../collector.js';
import { createEbpfCollector } from './ebpf-collector.js';

const CAPTURE = path.join(import.meta.dirname, '..', '..', 'fixtures', 'captures', 'linux-6.1', 'qemu-run-bpftrace-output.json');
const paths = { procfs: '/nonexistent/proc', sysfs: '/nonexistent/sys', devfs: '/nonexistent/dev' };
const ctx = { paths, nowMs: 5_000, errors: { report: () => {} } };

describe('EbpfCollector', () => {
  it('replay:FILE feeds the recorded capture as running counters', async () => {
    const collector = createEbpfCollector({ source: `replay:${CAPTURE}`, paths, logger: silentLogger, nowMs: () => 5_000, intervalSeconds: 15 });
    const draft = emptyDraft();
    collector.collect(ctx, draft);
    expect(draft.ebpf).toMatchObject({ state: 'running', attachedAtMs: 0, probesAttached: 12 });
    expect(draft.ebpf?.perTgid.get(1682)?.pinnedPages).toBe(118386);
    expect(collector.runnerStats()).toMatchObject({ state: 'running', starts: 1, parseErrors: 0 });
    await collector.close();
  });

  it('off: the snapshot says why, nothing runs', () => {
    const collector = createEbpfCollector({ source: 'off', paths, logger: silentLogger, nowMs: () => 0, intervalSeconds: 15 });
    const draft = emptyDraft();
    collector.collect(ctx, draft);
    expect(draft.ebpf).toMatchObject({ state: 'off', reason: 'eBPF disabled by configuration (--ebpf.source=off)' });
  });

  it('bpftrace on a host without it: off, with the reasons an operator can act on', async () => {
    const collector = createEbpfCollector({ source: 'bpftrace', paths, logger: silentLogger, nowMs: () => 0, intervalSeconds: 15, searchPath: '/nonexistent/bin' });
    const draft = emptyDraft();
    collector.collect(ctx, draft);
    // preparation is asynchronous: wait until it reports
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (collector.runnerStats().state === 'off') {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    const reason = collector.runnerStats().reason ?? '';
    expect(reason).toMatch(/bpftrace not found on PATH/);
    expect(reason).toMatch(/could not read CapEff/);
    expect(reason).toMatch(/no tracefs/);
    await collector.close();
  });
});
