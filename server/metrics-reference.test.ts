/**
 * docs/metrics.md is the contract the dashboards use: its table and the
 * registry must agree name by name, type by type, label by label, help by help.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createPinwatchMetrics } from './metrics/create-pinwatch-metrics.js';
import { fullCycle } from './test-support/cycle-builder.js';
import { mirroredRegistry } from './test-support/registry-mirror.js';

interface ReferenceRow {
  name: string;
  type: string;
  labels: string[];
  help: string;
}

function parseMetricsTable(markdown: string): ReferenceRow[] {
  const section = markdown.split(/^## Metrics$/m)[1];
  if (section === undefined) throw new Error('docs/metrics.md has no "## Metrics" section');
  return section
    .split('\n')
    .filter((line) => /^\| (pinwatch|process|nodejs)_/.test(line))
    .map((line) => {
      const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
      const [name = '', type = '', labels = '', help = ''] = cells;
      return { name, type, labels: labels === '' ? [] : labels.split(',').map((l) => l.trim()), help };
    });
}

const referencePath = fileURLToPath(new URL('../docs/metrics.md', import.meta.url));
const reference = parseMetricsTable(readFileSync(referencePath, 'utf8'));

async function registryRows(): Promise<ReferenceRow[]> {
  const metrics = createPinwatchMetrics({
    buildInfo: { version: '0.1.0', nodeVersion: 'v20.19.0' },
    ebpfRunnerStats: () => ({
      state: 'running',
      reason: null,
      probesAttached: 6,
      starts: 1,
      exits: { clean: 0, error: 0, signal: 0, timeout: 0 },
      lostEvents: 0,
      parseErrors: 0,
    }),
    runtimeStats: () => ({
      cpuUserSeconds: 1,
      cpuSystemSeconds: 1,
      startTimeSeconds: 1,
      residentMemoryBytes: 1,
      virtualMemoryBytes: 1,
      openFds: 1,
      maxFds: 1,
      heapTotalBytes: 1,
      heapUsedBytes: 1,
      externalMemoryBytes: 1,
      eventLoopLag: { meanSeconds: 1, maxSeconds: 1, p99Seconds: 1 },
    }),
  });
  metrics.observeCycle(fullCycle());
  metrics.observeStoreWrite('samples', 2);
  metrics.observeStoreError('record_cycle');
  metrics.registerHttpRoute('/metrics');
  metrics.observeHttpRequest('/metrics', 200);
  const registry = mirroredRegistry(metrics.families);
  const json = await registry.getMetricsAsJSON();
  return registry.getMetricsAsArray().map((metric) => {
    const collected = json.find((family) => family.name === metric.name);
    // Every family must have samples after a full cycle, or the test would not see it rendered.
    expect(collected?.values.length, `${metric.name} has samples`).toBeGreaterThan(0);
    const labels = (metric as unknown as { labelNames: string[] }).labelNames;
    return { name: metric.name, type: String(collected?.type), labels: [...labels], help: collected?.help ?? '' };
  });
}

describe('docs/metrics.md', () => {
  it('lists each metric once (52 when this test was written)', () => {
    expect(reference.length).toBeGreaterThanOrEqual(52);
    expect(new Set(reference.map((row) => row.name)).size).toBe(reference.length);
  });

  it('matches the registry: names, types, label names and help texts', async () => {
    const rows = await registryRows();
    const byName = (a: ReferenceRow, b: ReferenceRow) => a.name.localeCompare(b.name);
    expect([...rows].sort(byName)).toEqual([...reference].sort(byName));
  });

  it('documents pinwatch\'s own process and runtime metrics', () => {
    const names = reference.map((row) => row.name);
    expect(names).toEqual(expect.arrayContaining(['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_open_fds', 'nodejs_eventloop_lag_p99_seconds', 'pinwatch_http_requests_total']));
  });

  it('never uses pid as a label, and counters end in _total', () => {
    for (const row of reference) {
      expect(row.labels, row.name).not.toContain('pid');
      expect(row.name.endsWith('_total'), row.name).toBe(row.type === 'counter');
    }
  });
});
