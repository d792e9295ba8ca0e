/** /healthz (the process answers) and /readyz (a collection cycle has finished). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

export interface HealthRouteOptions {
  isReady: () => boolean;
}

const healthSchema = z.object({ status: z.literal('ok') });
const readinessSchema = z.object({ status: z.enum(['ready', 'not_ready']), reason: z.string().nullable() });

export const healthRoutes: FastifyPluginAsyncZod<HealthRouteOptions> = async (app, options) => {
  app.get('/healthz', { schema: { response: { 200: healthSchema } } }, async () => ({ status: 'ok' as const }));
  app.get('/readyz', { schema: { response: { 200: readinessSchema, 503: readinessSchema } } }, async (_request, reply) => {
    if (options.isReady()) return reply.code(200).send({ status: 'ready', reason: null });
    return reply.code(503).send({ status: 'not_ready', reason: 'no collection cycle has finished yet' });
  });
};
