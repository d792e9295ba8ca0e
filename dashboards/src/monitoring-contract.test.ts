/**
 * What operators rely on: every metric a rule or panel reads is one pinwatch
 * exports (docs/metrics.md) or one recorded here; every alert is complete,
 * documented in docs/runbook.md and unit-tested firing and silent; every
 * dashboard passes the schema.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runbookAnchor } from './alert-rules.js';
import { dashboards, ruleFile } from './generated-outputs.js';
import { dashboardSchemaProblems } from './grafana-schema.js';
import { PROMETHEUS_SYNTHETIC_SERIES, parseMetricsReference } from './metrics-reference.js';
import { defaultMonitoringConfig } from './monitoring-config.js';
import { shippedExpressions } from './monitoring-sources.js';
import { metricNamesIn } from './promql-selectors.js';
import { repositoryRoot } from './repository-files.js';
import { isAlertingRule, type AlertingRule, type RecordingRule } from './rule-model.js';

const root = repositoryRoot();
const exported = parseMetricsReference(readFileSync(join(root, 'docs', 'metrics.md'), 'utf8'));
const rules = ruleFile(defaultMonitoringConfig).groups.flatMap((group) => group.rules);
const alerts = rules.filter(isAlertingRule);
const records = rules.filter((rule): rule is RecordingRule => !isAlertingRule(rule));
const expressions = shippedExpressions(defaultMonitoringConfig);

describe('metric names', () => {
  it('reads a metrics reference with the core and eBPF metrics in it', () => {
    expect(exported.has('pinwatch_process_locked_memory_bytes')).toBe(true);
    expect(exported.has('pinwatch_vm_dma_charge_failed_pages_total')).toBe(true);
  });

  it('every rule, panel and variable reads only exported or recorded metrics', () => {
    const known = new Set([...exported, ...records.map((rule) => rule.record), ...PROMETHEUS_SYNTHETIC_SERIES]);
    const unknown = expressions.flatMap((expression) =>
      metricNamesIn(expression.expr)
        .filter((name) => !known.has(name))
        .map((name) => `${expression.source}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('every recording rule is read by a dashboard or an alert', () => {
    const read = new Set(expressions.filter((e) => e.kind !== 'record').flatMap((e) => metricNamesIn(e.expr)));
    expect(records.map((rule) => rule.record).filter((name) => !read.has(name))).toEqual([]);
  });

  it('the dashboards read every per-VM finding, limit and eBPF page metric', () => {
    const read = new Set(expressions.filter((e) => e.kind === 'panel').flatMap((e) => metricNamesIn(e.expr)));
    for (const name of ['pinwatch_vm_finding', 'pinwatch_process_memlock_limit_bytes', 'pinwatch_vm_expected_locked_memory_bytes', 'pinwatch_vm_dma_mapped_not_charged_pages', 'pinwatch_vm_dma_leaked_pages']) {
      expect(read, name).toContain(name);
    }
  });
});

describe('alerts', () => {
  it('are the ones the issue asks for', () => {
    expect(alerts.map((alert) => alert.alert)).toEqual([
      'PinwatchMemlockHeadroomLow',
      'PinwatchMemlockLimitBelowExpected',
      'PinwatchLockedMemoryDrift',
      'PinwatchLockedMemoryUnderflow',
      'PinwatchDoubleCharged',
      'PinwatchMappedNotChargedRising',
      'PinwatchChargeFailures',
      'PinwatchMapDmaFailed',
      'PinwatchPinsLeakedAfterExit',
      'PinwatchKernelMemlockExceeded',
      'PinwatchCollectorFailing',
      'PinwatchVmReadIncomplete',
      'PinwatchCollectionStalled',
      'PinwatchStoreErrors',
      'PinwatchEbpfOff',
      'PinwatchDown',
    ]);
  });

  it.each(alerts.map((alert) => [alert.alert, alert] as const))('%s has for, severity, summary, description and runbook_url', (name, alert: AlertingRule) => {
    expect(alert.for).toMatch(/^\d+[smh]$/);
    expect(['info', 'warning', 'critical']).toContain(alert.labels.severity);
    expect(alert.annotations.summary.length).toBeGreaterThan(20);
    expect(alert.annotations.description.length).toBeGreaterThan(alert.annotations.summary.length);
    expect(alert.annotations.runbook_url).toBe(`docs/runbook.md#${name.toLowerCase()}`);
  });
});

describe('docs/runbook.md', () => {
  const runbook = readFileSync(join(root, 'docs', 'runbook.md'), 'utf8');
  /** The text of each `## Heading` section, by heading. */
  const sections = new Map(
    runbook
      .split(/^## /m)
      .slice(1)
      .map((section) => [section.slice(0, section.indexOf('\n')).trim(), section] as const),
  );

  it.each(alerts.map((alert) => [alert.alert]))('has a section for %s: what it means, how to confirm it, what to do', (name) => {
    const section = sections.get(name);
    expect(section, `no "## ${name}" in docs/runbook.md`).toBeDefined();
    expect(runbookAnchor(name)).toBe(name.toLowerCase());
    expect(section).toContain('### What it means');
    expect(section).toContain('### How to confirm');
    expect(section).toContain('### What to do');
    // Confirming means running something: a command or a query in a code block.
    expect(section).toMatch(/```(sh|promql)\n/);
  });

  it('documents no alert that does not exist', () => {
    const alertNames = new Set(alerts.map((alert) => alert.alert));
    expect([...sections.keys()].filter((heading) => heading.startsWith('Pinwatch') && !alertNames.has(heading))).toEqual([]);
  });
});

describe('promtool unit tests', () => {
  interface AlertRuleTest {
    alertname: string;
    exp_alerts?: unknown[];
  }
  const testsDir = join(root, 'dashboards', 'prometheus', 'tests');
  const ruleTests = readdirSync(testsDir)
    .filter((file) => file.endsWith('.test.yml'))
    .flatMap((file) => {
      const document = parse(readFileSync(join(testsDir, file), 'utf8')) as { tests: { alert_rule_test?: AlertRuleTest[] }[] };
      return document.tests.flatMap((test) => test.alert_rule_test ?? []);
    });

  it.each(alerts.map((alert) => [alert.alert]))('%s is tested firing and silent', (name) => {
    const cases = ruleTests.filter((test) => test.alertname === name);
    expect(cases.some((test) => (test.exp_alerts ?? []).length > 0), 'a case where it fires').toBe(true);
    expect(cases.some((test) => (test.exp_alerts ?? []).length === 0), 'a case where it stays silent').toBe(true);
  });
});

describe('dashboards', () => {
  it.each(dashboards(defaultMonitoringConfig).map(({ path, dashboard }) => [path, dashboard] as const))('%s passes the schema', (_path, dashboard) => {
    expect(dashboardSchemaProblems(dashboard)).toEqual([]);
  });

  it('keep their uids and the per-VM view selects a host and a VM', () => {
    const [fleet, vm] = dashboards(defaultMonitoringConfig).map(({ dashboard }) => dashboard);
    expect(fleet?.uid).toBe('pinwatch-fleet');
    expect(vm?.uid).toBe('pinwatch-vm');
    expect(vm?.templating.list.map((variable) => variable.name)).toEqual(['datasource', 'instance', 'vm']);
    expect(fleet?.templating.list.map((variable) => variable.name)).toEqual(['datasource', 'instance']);
  });
});
