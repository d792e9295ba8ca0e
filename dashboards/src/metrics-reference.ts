/** The metric names of docs/metrics.md, the contract every rule and panel is checked against. */

/** Names in the first column of the reference's metrics table: `| pinwatch_x | gauge | ... |`. */
export function parseMetricsReference(markdown: string): Set<string> {
  const names = new Set<string>();
  for (const line of markdown.split('\n')) {
    const match = /^\|\s*(pinwatch_[a-z0-9_]+)\s*\|\s*(gauge|counter|histogram|summary)\s*\|/.exec(line);
    if (match) names.add(match[1]!);
  }
  return names;
}

/** Series Prometheus itself writes for every target; rules may read them. */
export const PROMETHEUS_SYNTHETIC_SERIES: ReadonlySet<string> = new Set(['up']);
