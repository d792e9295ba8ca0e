/** GET /api/v1/events: what changed, newest first, from the store. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EventKind, StoreReader } from '../../model/store.js';
import { resolveTimeWindow, timestampParameterSchema } from '../api/time-window.js';
import { isoTime } from '../api/vm-json.js';

export interface EventRouteOptions {
  store: StoreReader;
  nowMs: () => number;
}

// A Record keyed by the union makes the compiler reject a kind missing from model/store.ts.
const eventKindSet: Record<EventKind, true> = {
  'vm-appeared': true,
  'vm-exited': true,
  'finding-opened': true,
  'finding-closed': true,
  'memlock-limit-changed': true,
  'kernel-log': true,
  'pins-leaked': true,
};
export const EVENT_KINDS = Object.keys(eventKindSet) as [EventKind, ...EventKind[]];

export const EVENTS_LIMIT_MAX = 10000;

const eventsQuerySchema = z.object({
  from: timestampParameterSchema.optional(),
  to: timestampParameterSchema.optional(),
  vm: z.coerce.number({ error: 'expected a VM store id (an integer, see /api/v1/vms)' }).int().min(1).optional(),
  kind: z.enum(EVENT_KINDS, { error: `expected one of ${EVENT_KINDS.join(', ')}` }).optional(),
  limit: z.coerce.number().int().min(1).max(EVENTS_LIMIT_MAX).default(1000),
});

const eventJsonSchema = z.object({
  id: z.number().int(),
  at: z.string(),
  vmId: z.number().int().nullable(),
  vmName: z.string().nullable(),
  kind: z.enum(EVENT_KINDS),
  severity: z.enum(['info', 'warning', 'critical']),
  message: z.string(),
  data: z.record(z.string(), z.unknown()),
});

const eventsResponseSchema = z.object({
  from: z.string(),
  to: z.string(),
  events: z.array(eventJsonSchema),
});

export const eventRoutes: FastifyPluginAsyncZod<EventRouteOptions> = async (app, options) => {
  app.get(
    '/api/v1/events',
    { schema: { querystring: eventsQuerySchema, response: { 200: eventsResponseSchema } } },
    async (request) => {
      const { vm, kind, limit } = request.query;
      const window = resolveTimeWindow(request.query, options.nowMs());
      const events = options.store.events({
        fromMs: window.fromMs,
        toMs: window.toMs,
        limit,
        ...(vm === undefined ? {} : { vmId: vm }),
        ...(kind === undefined ? {} : { kind }),
      });
      return {
        from: isoTime(window.fromMs),
        to: isoTime(window.toMs),
        events: events.map((event) => ({
          id: event.id,
          at: isoTime(event.atMs),
          vmId: event.vmId,
          vmName: event.vmName,
          kind: event.kind,
          severity: event.severity,
          message: event.message,
          data: event.data,
        })),
      };
    },
  );
};
