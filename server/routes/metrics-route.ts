/** GET /metrics: the exposition of the latest cycle, in the format the scraper asked for, gzipped when it accepts gzip. */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { FastifyPluginAsync } from 'fastify';
import type { PinwatchMetrics } from '../metrics/create-pinwatch-metrics.js';
import { negotiateMetricsFormat } from '../metrics/metrics-format.js';
import { acceptsGzip } from './accepts-gzip.js';

const gzipAsync = promisify(gzip);

export interface MetricsRouteOptions {
  metrics: PinwatchMetrics;
}

export const metricsRoute: FastifyPluginAsync<MetricsRouteOptions> = async (app, options) => {
  app.get('/metrics', async (request, reply) => {
    const rendered = options.metrics.render(negotiateMetricsFormat(request.headers.accept));
    reply.header('vary', 'Accept, Accept-Encoding').type(rendered.contentType);
    if (!acceptsGzip(request.headers['accept-encoding'])) return reply.send(rendered.body);
    // zlib's thread pool, not the event loop: 200 VMs are ~300 KiB of text.
    return reply.header('content-encoding', 'gzip').send(await gzipAsync(rendered.body));
  });
};
