import { describe, expect, it } from 'vitest';
import { fleetDashboard } from './fleet-dashboard.js';
import { dashboardSchemaProblems } from './grafana-schema.js';
import { defaultMonitoringConfig } from './monitoring-config.js';

/** A valid dashboard as plain JSON, to break one thing at a time. */
const valid = () => JSON.parse(JSON.stringify(fleetDashboard(defaultMonitoringConfig))) as Record<string, any>;

describe('dashboardSchemaProblems', () => {
  it('accepts the fleet dashboard', () => {
    expect(dashboardSchemaProblems(valid())).toEqual([]);
  });

  it.each([
    ['a uid that is not a pinwatch slug', (d: Record<string, any>) => (d.uid = 'abc123'), 'uid: uid must be a stable pinwatch-* slug'],
    ['no datasource variable', (d: Record<string, any>) => d.templating.list.shift(), 'templating.list.0.name'],
    ['no host variable', (d: Record<string, any>) => d.templating.list.pop(), 'templating: no "instance" (host) variable'],
    ['a panel on a fixed data source', (d: Record<string, any>) => (d.panels[0].datasource.uid = 'P1809F7CD0C75ACF3'), 'panels.0.datasource.uid'],
    ['an empty query', (d: Record<string, any>) => (d.panels[1].targets[0].expr = ' '), 'panels.1.targets.0.expr'],
    ['a panel without queries', (d: Record<string, any>) => (d.panels[2].targets = []), 'panels.2.targets'],
    ['two panels with one id', (d: Record<string, any>) => (d.panels[3].id = d.panels[0].id), 'panels: duplicate panel id'],
    ['a panel past the grid', (d: Record<string, any>) => (d.panels[0].gridPos.x = 20), 'panels.0.gridPos: panel extends past the 24-column grid'],
    ['an unknown field', (d: Record<string, any>) => (d.panels[0].thresholds = {}), 'panels.0'],
  ])('rejects %s', (_case, breakIt, expectedProblem) => {
    const dashboard = valid();
    breakIt(dashboard);
    const problems = dashboardSchemaProblems(dashboard);
    expect(problems.some((problem) => problem.startsWith(expectedProblem)), problems.join('\n')).toBe(true);
  });
});
