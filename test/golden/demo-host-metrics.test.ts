import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderDemoHostMetrics } from './demo-host-metrics.js';

/**
 * The golden /metrics of the demo host (fixtures/demo-host.ts + the eBPF replay
 * fixtures/ebpf/demo-replay.json). Regenerate only on purpose:
 *   UPDATE_GOLDEN=1 npx vitest run test/golden
 * then read the diff: every changed line is a change users will see.
 * `npm run test:e2e` lints the file with `promtool check metrics`.
 */
const GOLDEN = new URL('./demo-host-metrics.prom', import.meta.url);
const GOLDEN_OPENMETRICS = new URL('./demo-host-metrics.openmetrics.txt', import.meta.url);

describe('golden /metrics of the demo host', () => {
  it.each([
    ['prometheus', GOLDEN],
    ['openmetrics', GOLDEN_OPENMETRICS],
  ] as const)('%s text matches the golden file', async (format, file) => {
    const body = await renderDemoHostMetrics(format);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, body);
    expect(body).toBe(readFileSync(file, 'utf8'));
  });

  it('the golden file holds the values the demo table states', () => {
    const text = readFileSync(GOLDEN, 'utf8');
    // web-01: 8 GiB guest, exact charge (fixtures/README.md).
    expect(text).toContain('pinwatch_process_locked_memory_bytes{vm="web-01"} 8589934592');
    expect(text).toContain('pinwatch_vm_expected_locked_memory_bytes{vm="web-01"} 8589934592');
    // db-02: mem-lock=on, 16 GiB guest charged twice.
    expect(text).toContain('pinwatch_vm_accounting_class{vm="db-02",class="double-charged"} 1');
    // gpu-train-3: vIOMMU with two GPUs, expected 2 x 32 GiB.
    expect(text).toContain('pinwatch_vm_dma_address_spaces{vm="gpu-train-3"} 2');
    expect(text).toContain('pinwatch_vm_expected_locked_memory_bytes{vm="gpu-train-3"} 68719476736');
    // legacy-08: underflowed VmLck, reported as the huge number it is.
    expect(text).toContain('pinwatch_process_locked_memory_bytes{vm="legacy-08"} 1.888946593147858e+22');
    // edge-07: iommufd charges VmPin.
    expect(text).toContain('pinwatch_process_pinned_memory_bytes{vm="edge-07"} 8589934592');
    // The vanished and the malformed process are counted, not fatal; the one with a malformed
    // limits file stays listed (11 VMs + broken-limits-13), flagged incomplete, its limit left out.
    expect(text).toContain('pinwatch_collector_errors_total{collector="vfio_users",reason="vanished"} 1');
    expect(text).toContain('pinwatch_collector_errors_total{collector="vfio_users",reason="malformed"} 1');
    expect(text).toContain('pinwatch_vfio_users 12');
    expect(text).toContain('pinwatch_process_read_complete{vm="broken-limits-13"} 0');
    expect(text).toContain('pinwatch_process_read_complete{vm="web-01"} 1');
    expect(text).not.toContain('pinwatch_process_memlock_limit_bytes{vm="broken-limits-13"');
  });
});
