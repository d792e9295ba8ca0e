/**
 * Every PromQL expression dashboards/ ships, with where it comes from, so a
 * test (metric names against docs/metrics.md) and the end-to-end test (each
 * one against a real Prometheus) walk the same list.
 */
import { dashboards, ruleFile } from './generated-outputs.js';
import type { MonitoringConfig } from './monitoring-config.js';
import { labelValuesSelector } from './promql-selectors.js';
import { isAlertingRule } from './rule-model.js';

export interface ShippedExpression {
  /** "rule PinwatchDown", "dashboard pinwatch-vm panel 5 \"...\" target A", "dashboard pinwatch-vm variable vm". */
  source: string;
  kind: 'alert' | 'record' | 'panel' | 'variable';
  /** The alert or recording rule name, for rules. */
  ruleName?: string;
  expr: string;
}

export function shippedExpressions(config: MonitoringConfig): ShippedExpression[] {
  const expressions: ShippedExpression[] = [];
  for (const group of ruleFile(config).groups) {
    for (const rule of group.rules) {
      if (isAlertingRule(rule)) {
        expressions.push({ source: `rule ${rule.alert}`, kind: 'alert', ruleName: rule.alert, expr: rule.expr });
      } else {
        expressions.push({ source: `rule ${rule.record}`, kind: 'record', ruleName: rule.record, expr: rule.expr });
      }
    }
  }
  for (const { dashboard } of dashboards(config)) {
    for (const variable of dashboard.templating.list) {
      if (variable.type !== 'query') continue;
      expressions.push({
        source: `dashboard ${dashboard.uid} variable ${variable.name}`,
        kind: 'variable',
        expr: labelValuesSelector(variable.query).selector,
      });
    }
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        expressions.push({
          source: `dashboard ${dashboard.uid} panel ${panel.id} "${panel.title}" target ${target.refId}`,
          kind: 'panel',
          expr: target.expr,
        });
      }
    }
  }
  return expressions;
}
