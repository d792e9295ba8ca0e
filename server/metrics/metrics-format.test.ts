import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { METRICS_CONTENT_TYPES, negotiateMetricsFormat } from './metrics-format.js';

describe('negotiateMetricsFormat', () => {
  it.each([
    [undefined, 'prometheus'],
    ['', 'prometheus'],
    ['*/*', 'prometheus'],
    ['text/plain;version=0.0.4', 'prometheus'],
    ['application/openmetrics-text', 'openmetrics'],
    ['application/openmetrics-text; version=1.0.0; charset=utf-8', 'openmetrics'],
    // What Prometheus 2.x/3.x sends by default:
    [
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      'openmetrics',
    ],
    // A scraper preferring the text format:
    ['text/plain;version=0.0.4;q=1,application/openmetrics-text;version=1.0.0;q=0.5', 'prometheus'],
    ['application/openmetrics-text;q=0', 'prometheus'],
    // An OpenMetrics version we do not write:
    ['application/openmetrics-text;version=2.0.0', 'prometheus'],
    ['garbage;;;', 'prometheus'],
  ] as const)('Accept %j gives %s', (accept, format) => {
    expect(negotiateMetricsFormat(accept)).toBe(format);
  });
});

describe('METRICS_CONTENT_TYPES', () => {
  it('announces what prom-client announces for the same formats', () => {
    expect(METRICS_CONTENT_TYPES).toEqual({ prometheus: Registry.PROMETHEUS_CONTENT_TYPE, openmetrics: Registry.OPENMETRICS_CONTENT_TYPE });
  });
});
