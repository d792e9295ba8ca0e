/**
 * The HTTP app: /metrics, the JSON API, health and a status page. Built
 * without listening (the daemon's entry point listens; tests use inject()).
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { CycleResult } from '../model/cycle.js';
import type { StoreReader } from '../model/store.js';
import { installErrorHandling } from './http-errors.js';
import type { PinwatchMetrics } from './metrics/create-pinwatch-metrics.js';
import { eventRoutes } from './routes/event-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { metricsRoute } from './routes/metrics-route.js';
import { statusPageRoutes } from './routes/status-page.js';
import { vmRoutes } from './routes/vm-routes.js';
import { httpsServerOptions, installWebConfig } from './web-config/install-web-config.js';
import type { WebConfigSource } from './web-config/web-config-source.js';

export interface AppDependencies {
  metrics: PinwatchMetrics;
  getLatestCycle: () => CycleResult | null;
  store: StoreReader;
  /** true once the first collection cycle finished. */
  isReady: () => boolean;
  /** fastify's logger option (pino options, or false in tests). */
  logger?: FastifyServerOptions['logger'];
  /** The daemon's own pino logger, shared with fastify (takes precedence over `logger`). */
  loggerInstance?: FastifyBaseLogger;
  /** Wall clock for the default time windows (ms since the epoch); Date.now by default. */
  nowMs?: () => number;
  /** --web.config.file: TLS, basic auth and headers (exporter-toolkit format); plain HTTP without it. */
  webConfig?: WebConfigSource;
}

export function buildApp(deps: AppDependencies): FastifyInstance {
  const nowMs = deps.nowMs ?? Date.now;
  // A scrape every 15 s is not news: requests are logged only at debug level.
  const https = deps.webConfig ? httpsServerOptions(deps.webConfig) : null;
  const serverOptions = https ? { https } : {};
  // With https the instance is typed for https.Server; routes and hooks are the same.
  const app = (
    deps.loggerInstance
      ? Fastify({ ...serverOptions, loggerInstance: deps.loggerInstance, logController: new LogController({ disableRequestLogging: true }) })
      : Fastify({ ...serverOptions, logger: deps.logger ?? false })
  ) as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandling(app, (route) => deps.metrics.observeBadRequest(route));
  if (deps.webConfig) installWebConfig(app, deps.webConfig);
  // Every route's 5xx counter starts at 0; requests are counted by route pattern (bounded), never by URL.
  app.addHook('onRoute', (route) => deps.metrics.registerHttpRoute(route.url));
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.observeHttpRequest(request.routeOptions.url ?? 'unmatched', reply.statusCode);
  });
  // Plugins load on ready()/listen()/inject(), in this order.

  app.register(statusPageRoutes, {
    version: deps.metrics.buildInfo.version,
    getLatestCycle: deps.getLatestCycle,
    ebpfRunnerStats: () => deps.metrics.ebpfRunnerStats(),
  });
  app.register(healthRoutes, { isReady: deps.isReady });
  app.register(metricsRoute, { metrics: deps.metrics });
  app.register(vmRoutes, { getLatestCycle: deps.getLatestCycle, store: deps.store, metrics: deps.metrics, nowMs });
  app.register(eventRoutes, { store: deps.store, nowMs });
  return app;
}
