/**
 * A zod schema of the dashboards pinwatch ships, stricter than Grafana's own:
 * a stable uid, the datasource variable, a host variable, every panel on the
 * picked data source with at least one non-empty PromQL query, unique panel
 * ids and refIds, and panels inside the 24-column grid.
 */
import { z } from 'zod';
import type { Dashboard } from './grafana-model.js';

const datasourceRef = z.object({ type: z.literal('prometheus'), uid: z.literal('${datasource}') }).strict();

const target = z
  .object({
    refId: z.string().regex(/^[A-Z]$/),
    expr: z.string().trim().min(1),
    legendFormat: z.string(),
    instant: z.boolean(),
    range: z.boolean(),
    format: z.enum(['time_series', 'table']),
  })
  .strict()
  .refine((t) => t.instant !== t.range, { message: 'a target is either instant or range' });

const panel = z
  .object({
    id: z.number().int().positive(),
    type: z.enum(['timeseries', 'table', 'stat', 'bargauge']),
    title: z.string().min(1),
    description: z.string().min(1),
    gridPos: z
      .object({ x: z.number().int().min(0), y: z.number().int().min(0), w: z.number().int().min(1), h: z.number().int().min(1) })
      .strict()
      .refine((pos) => pos.x + pos.w <= 24, { message: 'panel extends past the 24-column grid' }),
    datasource: datasourceRef,
    targets: z
      .array(target)
      .min(1)
      .refine((targets) => new Set(targets.map((t) => t.refId)).size === targets.length, { message: 'duplicate refId' }),
    fieldConfig: z.object({ defaults: z.object({ unit: z.string().min(1), min: z.number().optional() }).strict(), overrides: z.array(z.never()) }).strict(),
    options: z.record(z.string(), z.unknown()),
    transformations: z.array(z.object({ id: z.string().min(1), options: z.record(z.string(), z.unknown()) }).strict()),
  })
  .strict();

const datasourceVariable = z
  .object({
    name: z.literal('datasource'),
    label: z.string(),
    type: z.literal('datasource'),
    query: z.literal('prometheus'),
    current: z.object({}).strict(),
    hide: z.literal(0),
    refresh: z.literal(1),
    regex: z.literal(''),
  })
  .strict();

const queryVariable = z
  .object({
    name: z.string().regex(/^[a-z_]+$/),
    label: z.string(),
    type: z.literal('query'),
    datasource: datasourceRef,
    query: z.string().regex(/^label_values\(.+, [a-z_]+\)$/),
    definition: z.string(),
    includeAll: z.boolean(),
    multi: z.boolean(),
    allValue: z.literal('.+'),
    current: z.object({}).strict(),
    hide: z.literal(0),
    refresh: z.literal(2),
    sort: z.literal(1),
    regex: z.literal(''),
  })
  .strict()
  .refine((v) => v.definition === v.query, { message: 'definition must equal query' });

export const dashboardSchema = z
  .object({
    uid: z.string().regex(/^pinwatch-[a-z-]+$/, 'uid must be a stable pinwatch-* slug'),
    title: z.string().startsWith('pinwatch / '),
    description: z.string().min(1),
    tags: z.array(z.string()).refine((tags) => tags.includes('pinwatch'), { message: 'tag "pinwatch" missing' }),
    timezone: z.literal('browser'),
    editable: z.boolean(),
    graphTooltip: z.literal(1),
    schemaVersion: z.literal(39),
    version: z.literal(1),
    refresh: z.string(),
    time: z.object({ from: z.string(), to: z.string() }).strict(),
    templating: z
      .object({ list: z.tuple([datasourceVariable], queryVariable) })
      .strict()
      .refine((t) => t.list.some((v) => v.name === 'instance'), { message: 'no "instance" (host) variable' }),
    annotations: z.object({ list: z.array(z.never()) }).strict(),
    links: z.array(
      z
        .object({
          title: z.string(),
          type: z.literal('dashboards'),
          tags: z.array(z.string()),
          asDropdown: z.boolean(),
          includeVars: z.boolean(),
          keepTime: z.boolean(),
        })
        .strict(),
    ),
    panels: z
      .array(panel)
      .min(1)
      .refine((panels) => new Set(panels.map((p) => p.id)).size === panels.length, { message: 'duplicate panel id' }),
  })
  .strict();

/** Problems of a dashboard against the schema, one line each ("panels.3.targets: duplicate refId"); empty when valid. */
export function dashboardSchemaProblems(dashboard: unknown): string[] {
  const result = dashboardSchema.safeParse(dashboard);
  if (result.success) return [];
  return result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

// The builders' type and the schema must describe the same document.
export type SchemaDashboard = z.infer<typeof dashboardSchema>;
const builtDashboardsFitTheSchema = (dashboard: Dashboard): SchemaDashboard => dashboard;
void builtDashboardsFitTheSchema;
