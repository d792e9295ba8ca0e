/**
 * The Grafana dashboard JSON model (schemaVersion 39, Grafana 10/11), as far
 * as pinwatch's dashboards use it, and small builders that lay panels out on
 * Grafana's 24-column grid. grafana-schema.ts checks every generated dashboard
 * against a zod schema of the same shape.
 */

/** Every panel and query variable reads the data source the operator picked. */
export const DATASOURCE_REF = { type: 'prometheus', uid: '${datasource}' } as const;
export type DatasourceRef = typeof DATASOURCE_REF;

export interface PrometheusTarget {
  refId: string;
  expr: string;
  legendFormat: string;
  /** Instant queries feed tables and ranked bars; range queries feed time series. */
  instant: boolean;
  range: boolean;
  format: 'time_series' | 'table';
}

export type PanelType = 'timeseries' | 'table' | 'stat' | 'bargauge';

export interface GridPos {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface Panel {
  id: number;
  type: PanelType;
  title: string;
  description: string;
  gridPos: GridPos;
  datasource: DatasourceRef;
  targets: PrometheusTarget[];
  fieldConfig: { defaults: { unit: string; min?: number }; overrides: [] };
  options: Record<string, unknown>;
  transformations: { id: string; options: Record<string, unknown> }[];
}

export interface DatasourceVariable {
  name: 'datasource';
  label: string;
  type: 'datasource';
  query: 'prometheus';
  current: Record<string, never>;
  hide: 0;
  refresh: 1;
  regex: '';
}

export interface QueryVariable {
  name: string;
  label: string;
  type: 'query';
  datasource: DatasourceRef;
  /** label_values(<selector>, <label>): the one form the end-to-end test resolves. */
  query: string;
  definition: string;
  includeAll: boolean;
  multi: boolean;
  allValue: '.+';
  current: Record<string, never>;
  hide: 0;
  /** 2: on time range change, so VMs that started since the page loaded appear. */
  refresh: 2;
  sort: 1;
  regex: '';
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: 'browser';
  editable: boolean;
  graphTooltip: 1;
  schemaVersion: 39;
  version: 1;
  refresh: string;
  time: { from: string; to: string };
  templating: { list: [DatasourceVariable, ...QueryVariable[]] };
  annotations: { list: [] };
  links: { title: string; type: 'dashboards'; tags: string[]; asDropdown: boolean; includeVars: boolean; keepTime: boolean }[];
  panels: Panel[];
}

export function datasourceVariable(): DatasourceVariable {
  return { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1, regex: '' };
}

export function labelValuesVariable(name: string, label: string, selector: string, multi: boolean): QueryVariable {
  const query = `label_values(${selector}, ${name})`;
  return {
    name,
    label,
    type: 'query',
    datasource: DATASOURCE_REF,
    query,
    definition: query,
    includeAll: multi,
    multi,
    allValue: '.+',
    current: {},
    hide: 0,
    refresh: 2,
    sort: 1,
    regex: '',
  };
}

export interface QuerySpec {
  expr: string;
  legend?: string;
}

export interface PanelSpec {
  type: PanelType;
  title: string;
  description: string;
  /** Columns of the 24-column grid. */
  width: number;
  height: number;
  unit: string;
  queries: QuerySpec[];
  options?: Record<string, unknown>;
  transformations?: Panel['transformations'];
}

/**
 * Lays panels left to right, wrapping at 24 columns, and numbers them from 1
 * in order, so ids and positions are stable across regenerations.
 */
export function layoutPanels(specs: PanelSpec[]): Panel[] {
  const panels: Panel[] = [];
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  specs.forEach((spec, index) => {
    if (x + spec.width > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const tabular = spec.type !== 'timeseries';
    panels.push({
      id: index + 1,
      type: spec.type,
      title: spec.title,
      description: spec.description,
      gridPos: { x, y, w: spec.width, h: spec.height },
      datasource: DATASOURCE_REF,
      targets: spec.queries.map((query, queryIndex) => ({
        refId: String.fromCharCode(65 + queryIndex),
        expr: query.expr,
        legendFormat: query.legend ?? '',
        instant: tabular,
        range: !tabular,
        format: spec.type === 'table' ? 'table' : 'time_series',
      })),
      fieldConfig: { defaults: { unit: spec.unit }, overrides: [] },
      options: spec.options ?? {},
      transformations: spec.transformations ?? [],
    });
    x += spec.width;
    rowHeight = Math.max(rowHeight, spec.height);
  });
  return panels;
}
