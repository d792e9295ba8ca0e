/** GET /api/v1/vms (now, from the latest cycle) and GET /api/v1/vms/:id/history (from the store). */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CycleResult } from '../../model/cycle.js';
import type { StoreReader, VmRecord } from '../../model/store.js';
import { resolveTimeWindow, timestampParameterSchema } from '../api/time-window.js';
import {
  exitedVmJson,
  exitedVmJsonSchema,
  historySampleJson,
  historySampleJsonSchema,
  isoTime,
  storedVmJson,
  storedVmJsonSchema,
  vmJson,
  vmJsonSchema,
} from '../api/vm-json.js';
import { NotFoundError } from '../http-errors.js';
import type { PinwatchMetrics } from '../metrics/create-pinwatch-metrics.js';

export interface VmRouteOptions {
  getLatestCycle: () => CycleResult | null;
  store: StoreReader;
  metrics: PinwatchMetrics;
  nowMs: () => number;
}

const booleanParameterSchema = z.enum(['true', 'false'], { error: "expected 'true' or 'false'" });

const vmsQuerySchema = z.object({
  includeExited: booleanParameterSchema.default('false').transform((value) => value === 'true'),
});

const vmsResponseSchema = z.object({
  /** When the latest cycle's sample was taken; null before the first cycle. */
  takenAt: z.string().nullable(),
  vms: z.array(vmJsonSchema),
  exited: z.array(exitedVmJsonSchema).optional(),
});

export const HISTORY_LIMIT_MAX = 10000;

const historyParamsSchema = z.object({
  id: z.coerce.number({ error: 'expected a VM store id (an integer, see /api/v1/vms)' }).int().min(1),
});

const historyQuerySchema = z.object({
  from: timestampParameterSchema.optional(),
  to: timestampParameterSchema.optional(),
  limit: z.coerce.number().int().min(1).max(HISTORY_LIMIT_MAX).default(1000),
});

const historyResponseSchema = z.object({
  vm: storedVmJsonSchema,
  from: z.string(),
  to: z.string(),
  samples: z.array(historySampleJsonSchema),
});

export const vmRoutes: FastifyPluginAsyncZod<VmRouteOptions> = async (app, options) => {
  /** The stored VMs (live, or all with includeExited) in one query; null when the store cannot answer. */
  const listStoredVms = (includeExited: boolean, logFailure: (error: unknown) => void): VmRecord[] | null => {
    try {
      return options.store.listVms({ includeExited });
    } catch (error) {
      // The live view comes from memory: a failing store costs the ids, not the answer.
      options.metrics.observeStoreError('list_vms');
      logFailure(error);
      return null;
    }
  };

  app.get(
    '/api/v1/vms',
    { schema: { querystring: vmsQuerySchema, response: { 200: vmsResponseSchema } } },
    async (request) => {
      const cycle = options.getLatestCycle();
      const { includeExited } = request.query;
      const records = listStoredVms(includeExited, (error) => request.log.error({ err: error }, 'store: listing VMs failed'));
      // processKey -> store id of the live VMs; ids are null when the store cannot answer.
      const ids = new Map((records ?? []).filter((r) => r.exitedAtMs === null).map((r) => [r.processKey, r.id]));
      const vms = cycle ? cycle.vms.map((view) => vmJson(view, cycle.sample, ids.get(view.analysis.processKey) ?? null)) : [];
      const response: z.infer<typeof vmsResponseSchema> = { takenAt: cycle ? isoTime(cycle.sample.takenAtMs) : null, vms };
      if (includeExited) {
        // Exited VMs exist only in the store: without it there is nothing to answer with.
        if (records === null) throw new Error('the store could not list the exited VMs');
        const leaks = cycle?.leaks ?? [];
        response.exited = records.filter((record) => record.exitedAtMs !== null).map((record) => exitedVmJson(record, leaks));
      }
      return response;
    },
  );

  app.get(
    '/api/v1/vms/:id/history',
    { schema: { params: historyParamsSchema, querystring: historyQuerySchema, response: { 200: historyResponseSchema } } },
    async (request) => {
      const window = resolveTimeWindow(request.query, options.nowMs());
      const record = options.store.getVm(request.params.id);
      if (!record) throw new NotFoundError(`no VM with id ${request.params.id} (ids are listed by /api/v1/vms)`);
      const samples = options.store.vmHistory(record.id, window.fromMs, window.toMs, request.query.limit);
      return {
        vm: storedVmJson(record),
        from: isoTime(window.fromMs),
        to: isoTime(window.toMs),
        samples: samples.map(historySampleJson),
      };
    },
  );
};
