/** The few calls of Prometheus' HTTP API (v1) the end-to-end test makes. */

export interface PrometheusSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  value: string;
}

export interface PrometheusTarget {
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  scrapeUrl: string;
}

export class PrometheusApi {
  constructor(private readonly baseUrl: string) {}

  private async get<T>(path: string): Promise<T> {
    const response = await fetch(`${this.baseUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`GET ${path}: ${body.error ?? response.status}`);
    return body.data;
  }

  /** An instant query; vector results only (every shipped expression is a vector). */
  async query(expr: string): Promise<PrometheusSample[]> {
    const data = await this.get<{ resultType: string; result: PrometheusSample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (data.resultType !== 'vector') throw new Error(`query ${expr}: result type ${data.resultType}, not vector`);
    return data.result;
  }

  async alerts(): Promise<PrometheusAlert[]> {
    return (await this.get<{ alerts: PrometheusAlert[] }>('/api/v1/alerts')).alerts;
  }

  async targets(): Promise<PrometheusTarget[]> {
    return (await this.get<{ activeTargets: PrometheusTarget[] }>('/api/v1/targets')).activeTargets;
  }

  async ruleHealth(): Promise<{ name: string; health: string; lastError?: string }[]> {
    const data = await this.get<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>('/api/v1/rules');
    return data.groups.flatMap((group) => group.rules);
  }
}
