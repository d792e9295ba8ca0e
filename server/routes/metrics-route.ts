/** GET /metrics: the exposition of the latest cycle, in the format the scraper asked for. */
import type { FastifyPluginAsync } from 'fastify';
import type { PinwatchMetrics } from '../metrics/create-pinwatch-metrics.js';
import { negotiateMetricsFormat } from '../metrics/metrics-format.js';

export interface MetricsRouteOptions {
  metrics: PinwatchMetrics;
}

export const metricsRoute: FastifyPluginAsync<MetricsRouteOptions> = async (app, options) => {
  app.get('/metrics', async (request, reply) => {
    const rendered = options.metrics.render(negotiateMetricsFormat(request.headers.accept));
    return reply.header('vary', 'Accept').type(rendered.contentType).send(rendered.body);
  });
};
