/**
 * Test-only (prom-client is a devDependency). Mirrors metric families into a prom-client registry of our own (never the
 * global one): each family becomes a Gauge or Counter whose collect() resets
 * and refills from the same fill function the exposition writer uses. The
 * registry is what other code and the reference test introspect (names,
 * types, label names, help) and can render itself with registry.metrics().
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { MetricFamily } from '../metrics/metric-family.js';

function mirrorGauge(registry: Registry, family: MetricFamily): void {
  const unlabelled = family.labelNames.length === 0;
  new Gauge({
    name: family.name,
    help: family.help,
    labelNames: family.labelNames,
    registers: [registry],
    collect() {
      this.reset();
      // reset() gives an unlabelled gauge a 0 sample; "absent when unknown"
      // (no dma_entry_limit without the module) needs no sample at all.
      if (unlabelled) this.remove();
      family.fill((labels, value) => this.set(labels, value));
    },
  });
}

function mirrorCounter(registry: Registry, family: MetricFamily): void {
  new Counter({
    name: family.name,
    help: family.help,
    labelNames: family.labelNames,
    registers: [registry],
    collect() {
      // The absolute value is known (tally or cumulative eBPF view): republish it as is.
      this.reset();
      family.fill((labels, value) => this.inc(labels, value));
    },
  });
}

export function mirrorFamiliesInto(registry: Registry, families: readonly MetricFamily[]): void {
  for (const family of families) {
    if (family.type === 'gauge') mirrorGauge(registry, family);
    else mirrorCounter(registry, family);
  }
}

/** A fresh registry (never prom-client's global one) holding every family. */
export function mirroredRegistry(families: readonly MetricFamily[]): Registry {
  const registry = new Registry();
  mirrorFamiliesInto(registry, families);
  return registry;
}
