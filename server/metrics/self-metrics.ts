/** pinwatch's own health: build, collectors, cycles, store. */
import type { MetricsReadModel } from './metrics-read-model.js';
import { gaugeFamily, tallyCounterFamily, type MetricFamily } from './metric-family.js';

export function selfFamilies(model: MetricsReadModel): MetricFamily[] {
  const families: MetricFamily[] = [];
  families.push(gaugeFamily({
    name: 'pinwatch_build_info',
    help: 'Always 1; labels carry the pinwatch and Node.js versions.',
    labelNames: ['version', 'node_version'],
    fill: (emit) => emit({ version: model.buildInfo.version, node_version: model.buildInfo.nodeVersion }, 1),
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_collector_success',
    help: "1 when the collector's last run succeeded.",
    labelNames: ['collector'],
    fill: (emit) => {
      for (const run of model.latestCycle()?.sample.runs ?? []) emit({ collector: run.collector }, run.success ? 1 : 0);
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_collector_duration_seconds',
    help: "How long the collector's last run took.",
    labelNames: ['collector'],
    fill: (emit) => {
      for (const run of model.latestCycle()?.sample.runs ?? []) emit({ collector: run.collector }, run.durationSeconds);
    },
  }));
  families.push(tallyCounterFamily({
    name: 'pinwatch_collector_errors_total',
    help: 'Files or processes a collector could not read or parse (reason: vanished, malformed, permission, io).',
    labelNames: ['collector', 'reason'],
    tally: model.tallies.collectorErrors,
  }));
  families.push(tallyCounterFamily({
    name: 'pinwatch_collection_cycles_total',
    help: 'Collection cycles run.',
    labelNames: [],
    tally: model.tallies.collectionCycles,
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_last_collection_timestamp_seconds',
    help: 'When the last collection cycle finished, since the Unix epoch.',
    labelNames: [],
    fill: (emit) => {
      const observedAtMs = model.lastCycleObservedAtMs();
      if (observedAtMs !== null) emit({}, observedAtMs / 1000);
    },
  }));
  families.push(gaugeFamily({
    name: 'pinwatch_processes_scanned',
    help: '/proc entries looked at in the last cycle.',
    labelNames: [],
    fill: (emit) => {
      const cycle = model.latestCycle();
      if (cycle) emit({}, cycle.sample.processesScanned);
    },
  }));
  families.push(tallyCounterFamily({
    name: 'pinwatch_store_writes_total',
    help: 'Rows written to the SQLite store.',
    labelNames: ['table'],
    tally: model.tallies.storeWrites,
  }));
  families.push(tallyCounterFamily({
    name: 'pinwatch_store_errors_total',
    help: "Store operations that failed (the cycle's data stays in memory and /metrics).",
    labelNames: ['operation'],
    tally: model.tallies.storeErrors,
  }));
  families.push(tallyCounterFamily({
    name: 'pinwatch_http_bad_requests_total',
    help: 'API requests refused with 400 (a bad parameter), by route.',
    labelNames: ['route'],
    tally: model.tallies.badRequests,
  }));
  families.push(tallyCounterFamily({
    name: 'pinwatch_http_requests_total',
    help: 'HTTP requests answered, by route pattern (unmatched for none) and status code.',
    labelNames: ['route', 'code'],
    tally: model.tallies.httpRequests,
  }));
  families.push(tallyCounterFamily({
    name: 'pinwatch_http_server_errors_total',
    help: 'HTTP requests answered with a 5xx status, by route pattern (0 from start for every route).',
    labelNames: ['route'],
    tally: model.tallies.httpServerErrors,
  }));
  families.push(tallyCounterFamily({
    name: 'pinwatch_web_config_reloads_total',
    help: 'Reloads of the --web.config.file after it changed (result: success, or failure: the previous config stays in force).',
    labelNames: ['result'],
    tally: model.tallies.webConfigReloads,
  }));
  return families;
}
