/**
 * The collection thread's entry (see collection-worker.ts). It builds the collectors
 * it is asked for from the registry, by name, once, and runs one per request on a
 * draft holding the scalars earlier collectors filled; it replies with the fields the
 * collector fills, its errors and, if it threw, the message.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { kernelMonotonicMs, type Clock } from '../collectors/clock.js';
import { emptyDraft, type Collector, type HostSampleDraft } from '../collectors/collector.js';
import type { OffThreadCollectReply, OffThreadCollectRequest } from '../collectors/off-thread-collector.js';
import type { CollectorOptions, CollectorRegistration } from '../collectors/registry.js';
import type { CollectorError } from '../model/host-sample.js';
import type { Logger } from '../model/logger.js';

export interface ThreadInit {
  options: CollectorOptions;
  registryModuleUrl?: string;
}

export interface ThreadRequest {
  id: number;
  request: OffThreadCollectRequest;
  fills: (keyof HostSampleDraft)[];
}

export type ThreadMessage =
  | { type: 'reply'; id: number; reply: OffThreadCollectReply }
  | { type: 'log'; level: keyof Logger; obj: object; msg?: string };

if (parentPort) {
  const port = parentPort;
  const init = workerData as ThreadInit;
  const registryUrl = init.registryModuleUrl ?? new URL('../collectors/registry.js', import.meta.url).href;
  const { COLLECTOR_REGISTRY } = (await import(registryUrl)) as { COLLECTOR_REGISTRY: readonly CollectorRegistration[] };

  const post = (message: ThreadMessage) => port.postMessage(message);
  const log =
    (level: keyof Logger) =>
    (obj: object, msg?: string): void => {
      try {
        post({ type: 'log', level, obj, ...(msg === undefined ? {} : { msg }) });
      } catch {
        post({ type: 'log', level, obj: {}, ...(msg === undefined ? {} : { msg }) }); // obj held something not cloneable
      }
    };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  // nowMs is the cycle's time as the main thread's clock gave it (the full-sweep
  // schedule follows the daemon's clock); CLOCK_MONOTONIC is the same in every thread.
  let cycleNowMs = 0;
  const clock: Clock = { nowMs: () => cycleNowMs, monotonicMs: kernelMonotonicMs };
  const collectors = new Map<string, Collector>();

  port.on('message', (message: ThreadRequest) => {
    void run(message).then((reply) => post({ type: 'reply', id: message.id, reply }));
  });

  async function run({ request, fills }: ThreadRequest): Promise<OffThreadCollectReply> {
    cycleNowMs = request.nowMs;
    const errors: CollectorError[] = [];
    try {
      let collector = collectors.get(request.collector);
      if (!collector) {
        const entry = COLLECTOR_REGISTRY.find((e) => e.name === request.collector);
        if (!entry) throw new Error(`collection thread: no registered collector '${request.collector}'`);
        collector = entry.create({ paths: request.paths, clock, logger, options: init.options });
        collectors.set(request.collector, collector);
      }
      const draft: HostSampleDraft = { ...emptyDraft(), ...request.before };
      await collector.collect({ paths: request.paths, nowMs: request.nowMs, errors: { report: (e) => errors.push(e) } }, draft);
      const part: Partial<HostSampleDraft> = {};
      for (const field of fills) (part as Record<string, unknown>)[field] = draft[field];
      return { part, errors };
    } catch (error) {
      return { part: {}, errors, failure: error instanceof Error ? error.message : String(error) };
    }
  }
}
