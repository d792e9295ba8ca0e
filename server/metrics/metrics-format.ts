/**
 * Content negotiation for /metrics: OpenMetrics 1.0.0 when the scraper's
 * Accept header prefers it (Prometheus sends
 * `application/openmetrics-text;version=1.0.0,...;q=0.5,text/plain;version=0.0.4;q=0.4,...`),
 * else the Prometheus text format 0.0.4, which every scraper understands.
 */
export type MetricsFormat = 'prometheus' | 'openmetrics';

/** The same strings prom-client's Registry announces (a test checks they agree). */
export const METRICS_CONTENT_TYPES: Record<MetricsFormat, string> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

// OpenMetrics versions a Prometheus scraper may name; the 1.0.0 output satisfies both.
const OPENMETRICS_VERSIONS = new Set(['1.0.0', '0.0.1']);

interface MediaRange {
  type: string;
  version: string | null;
  quality: number;
}

function parseMediaRange(text: string): MediaRange | null {
  const [typePart, ...parameters] = text.split(';');
  const type = typePart?.trim().toLowerCase() ?? '';
  if (type === '') return null;
  let version: string | null = null;
  let quality = 1;
  for (const parameter of parameters) {
    const [key, value] = parameter.split('=').map((part) => part.trim());
    if (key?.toLowerCase() === 'version' && value) version = value;
    if (key?.toLowerCase() === 'q' && value) {
      const parsed = Number(value);
      quality = Number.isFinite(parsed) ? parsed : 0;
    }
  }
  return { type, version, quality };
}

/** Picks the format for an Accept header; absent or unparsable headers get the Prometheus text format. */
export function negotiateMetricsFormat(accept: string | undefined): MetricsFormat {
  if (!accept) return 'prometheus';
  let openMetricsQuality = 0;
  let textQuality = 0;
  for (const range of accept.split(',').map(parseMediaRange)) {
    if (!range) continue;
    if (range.type === 'application/openmetrics-text' && (range.version === null || OPENMETRICS_VERSIONS.has(range.version))) {
      openMetricsQuality = Math.max(openMetricsQuality, range.quality);
    } else if (range.type === 'text/plain' || range.type === '*/*' || range.type === 'text/*') {
      textQuality = Math.max(textQuality, range.quality);
    }
  }
  // Ties go to the text format: it is what the scraper gets when it does not care.
  return openMetricsQuality > 0 && openMetricsQuality > textQuality ? 'openmetrics' : 'prometheus';
}
