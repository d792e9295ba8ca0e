/** The Prometheus rule file format (rules.yml), as far as pinwatch uses it. */
import type { Severity } from '../../model/findings.js';

export interface RecordingRule {
  record: string;
  expr: string;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: Severity };
  annotations: { summary: string; description: string; runbook_url: string };
}

export interface RuleGroup<Rule> {
  name: string;
  rules: Rule[];
}

export interface RuleFile {
  groups: RuleGroup<RecordingRule | AlertingRule>[];
}

export function isAlertingRule(rule: RecordingRule | AlertingRule): rule is AlertingRule {
  return 'alert' in rule;
}
