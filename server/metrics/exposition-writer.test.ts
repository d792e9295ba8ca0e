import { describe, expect, it } from 'vitest';
import { fullCycle } from '../test-support/cycle-builder.js';
import { mirroredRegistry } from '../test-support/registry-mirror.js';
import { createPinwatchMetrics } from './create-pinwatch-metrics.js';
import { counterFamily, gaugeFamily } from './metric-family.js';
import { formatSampleValue, writeExposition } from './exposition-writer.js';

/** Sample lines only (no comments, no blank lines), sorted: the set of series and values. */
function sampleLines(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .sort();
}

describe('writeExposition', () => {
  const cycles = counterFamily({
    name: 'pinwatch_collection_cycles_total',
    help: 'Collection cycles run.',
    labelNames: [],
    fill: (emit) => emit({}, 3),
  });
  const limit = gaugeFamily({
    name: 'pinwatch_process_memlock_limit_bytes',
    help: 'RLIMIT_MEMLOCK (limit="soft" or "hard"); +Inf when unlimited.',
    labelNames: ['vm', 'limit'],
    fill: (emit) => emit({ vm: 'web-01', limit: 'soft' }, Infinity),
  });
  const absent = gaugeFamily({ name: 'pinwatch_vfio_dma_entry_limit', help: 'h', labelNames: [], fill: () => {} });

  it('writes the Prometheus text format 0.0.4', () => {
    expect(writeExposition([cycles, limit, absent], 'prometheus')).toBe(
      [
        '# HELP pinwatch_collection_cycles_total Collection cycles run.',
        '# TYPE pinwatch_collection_cycles_total counter',
        'pinwatch_collection_cycles_total 3',
        '# HELP pinwatch_process_memlock_limit_bytes RLIMIT_MEMLOCK (limit="soft" or "hard"); +Inf when unlimited.',
        '# TYPE pinwatch_process_memlock_limit_bytes gauge',
        'pinwatch_process_memlock_limit_bytes{vm="web-01",limit="soft"} +Inf',
        '# HELP pinwatch_vfio_dma_entry_limit h',
        '# TYPE pinwatch_vfio_dma_entry_limit gauge',
        '',
      ].join('\n'),
    );
  });

  it('writes OpenMetrics 1.0.0: counter families without _total, quotes escaped in HELP, # EOF', () => {
    expect(writeExposition([cycles, limit], 'openmetrics')).toBe(
      [
        '# HELP pinwatch_collection_cycles Collection cycles run.',
        '# TYPE pinwatch_collection_cycles counter',
        'pinwatch_collection_cycles_total 3',
        '# HELP pinwatch_process_memlock_limit_bytes RLIMIT_MEMLOCK (limit=\\"soft\\" or \\"hard\\"); +Inf when unlimited.',
        '# TYPE pinwatch_process_memlock_limit_bytes gauge',
        'pinwatch_process_memlock_limit_bytes{vm="web-01",limit="soft"} +Inf',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  it.each([
    [83755008, '83755008'],
    [0.5, '0.5'],
    [-1, '-1'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('formats %s as %s', (value, text) => {
    expect(formatSampleValue(value)).toBe(text);
  });

  it('renders the same series and values as prom-client renders from the mirrored registry', async () => {
    const metrics = createPinwatchMetrics({ buildInfo: { version: '0.1.0', nodeVersion: 'v20.19.0' } });
    metrics.observeCycle(fullCycle());
    metrics.observeStoreWrite('samples', 2);
    const ours = metrics.render('prometheus').body;
    const promClient = await mirroredRegistry(metrics.families).metrics();
    expect(sampleLines(ours)).toEqual(sampleLines(promClient));
    expect(sampleLines(ours).length).toBeGreaterThan(100);
  });
});
