/**
 * The API's error shapes and the one error handler that produces them:
 * 400 { error: 'bad_request', message } naming the parameter and what is wrong,
 * 404 { error: 'not_found', message }, 5xx { error: 'internal', message } with
 * the details only in the log.
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { z } from 'zod';

export const apiErrorSchema = z.object({
  error: z.enum(['bad_request', 'not_found', 'internal']),
  message: z.string(),
});
export type ApiError = z.infer<typeof apiErrorSchema>;

/** A request the schema accepted but the handler cannot serve (e.g. from after to). */
export class BadRequestError extends Error {
  readonly statusCode = 400;
}

export class NotFoundError extends Error {
  readonly statusCode = 404;
}

const PARAMETER_PLACES: Record<string, string> = {
  querystring: 'query parameter',
  params: 'path parameter',
  headers: 'header',
  body: 'body field',
};

/** "query parameter 'from': expected ..." from fastify's validation error (zod issues via the type provider). */
export function describeValidationError(error: FastifyError): string {
  const place = PARAMETER_PLACES[error.validationContext ?? ''] ?? 'parameter';
  const issues = error.validation ?? [];
  if (issues.length === 0) return error.message;
  return issues
    .map((issue) => {
      const name = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
      return name === '' ? `${place}s: ${issue.message}` : `${place} '${name}': ${issue.message}`;
    })
    .join('; ');
}

/**
 * @param onBadRequest counts every 400 by route pattern (pinwatch_http_bad_requests_total):
 *   bad input is answered, logged and counted, never silent.
 */
export function installErrorHandling(app: FastifyInstance, onBadRequest: (route: string) => void = () => {}): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    if (error.validation || error instanceof BadRequestError) onBadRequest(route);
    if (error.validation) {
      request.log.info({ route, message: error.message }, 'bad request');
      return reply.code(400).send({ error: 'bad_request', message: describeValidationError(error) } satisfies ApiError);
    }
    if (error instanceof NotFoundError) {
      return reply.code(404).send({ error: 'not_found', message: error.message } satisfies ApiError);
    }
    const statusCode = error.statusCode ?? 500;
    if (statusCode >= 400 && statusCode < 500) {
      // fastify's own client errors (bad content type, malformed URL): the message is safe to show.
      request.log.info({ err: error }, 'client error');
      return reply.code(statusCode).send({ error: 'bad_request', message: error.message } satisfies ApiError);
    }
    request.log.error({ err: error, url: request.url }, 'request failed');
    return reply
      .code(500)
      .send({ error: 'internal', message: 'internal error; the details are in the pinwatch log' } satisfies ApiError);
  });
  app.setNotFoundHandler((request, reply) => {
    return reply
      .code(404)
      .send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } satisfies ApiError);
  });
}
