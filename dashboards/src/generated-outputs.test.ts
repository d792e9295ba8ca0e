import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generatedOutputs, RULES_PATH, ruleFile } from './generated-outputs.js';
import { defaultMonitoringConfig, type MonitoringConfig } from './monitoring-config.js';
import { shippedExpressions } from './monitoring-sources.js';
import { vectorSelectorsIn } from './promql-selectors.js';
import { repositoryRoot } from './repository-files.js';
import { isAlertingRule } from './rule-model.js';

const dashboardsDir = join(repositoryRoot(), 'dashboards');

describe('committed outputs', () => {
  it.each([...generatedOutputs(defaultMonitoringConfig)])('%s equals what the generator writes (regenerate: bash dashboards/scripts/generate.sh)', (path, generated) => {
    expect(readFileSync(join(dashboardsDir, path), 'utf8')).toBe(generated);
  });

  it('rules.yml reads back as the typed rule file', () => {
    expect(parse(readFileSync(join(dashboardsDir, RULES_PATH), 'utf8'))).toEqual(ruleFile(defaultMonitoringConfig));
  });
});

describe('configurable selector', () => {
  const site: MonitoringConfig = { ...defaultMonitoringConfig, selector: 'job="hypervisors", env="prod"' };

  it('leaves no trace of the default job in any output', () => {
    for (const [path, content] of generatedOutputs(site)) {
      expect(content.includes('job=\\"pinwatch\\"') || content.includes('job="pinwatch"'), path).toBe(false);
    }
  });

  it('puts the site selector in every vector selector of every rule, panel and variable', () => {
    const unselected = shippedExpressions(site).flatMap((expression) =>
      vectorSelectorsIn(expression.expr)
        .filter((selector) => !selector.text.includes('{job="hypervisors", env="prod"'))
        .map((selector) => `${expression.source}: ${selector.text}`),
    );
    expect(unselected).toEqual([]);
  });
});

describe('alert for override', () => {
  it('replaces every for, for the end-to-end copy only', () => {
    const fors = (config: MonitoringConfig) =>
      ruleFile(config).groups.flatMap((group) => group.rules.filter(isAlertingRule).map((rule) => rule.for));
    expect(new Set(fors({ ...defaultMonitoringConfig, alertForOverride: '0s' }))).toEqual(new Set(['0s']));
    expect(fors(defaultMonitoringConfig)).toContain('30m');
  });
});
