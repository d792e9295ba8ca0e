/**
 * Log lines for collector errors that name things: the file, the quoted line
 * and why (the error's message), rate-limited per (file, reason) so one bad
 * file read every 15 s does not flood the log: the first occurrence is
 * logged, then at most one line per interval with how many were suppressed.
 * Counting stays with pinwatch_collector_errors_total; this is only the log.
 */
import type { CollectorError } from '../model/host-sample.js';
import type { Logger } from '../model/logger.js';
import type { Collector, CollectorErrorSink } from './collector.js';

export const DEFAULT_ERROR_LOG_INTERVAL_MS = 10 * 60_000;

interface KeyState {
  lastLoggedMs: number;
  suppressed: number;
}

export class CollectorErrorLog {
  private readonly byKey = new Map<string, KeyState>();

  constructor(
    private readonly logger: Logger,
    private readonly nowMs: () => number,
    private readonly intervalMs: number = DEFAULT_ERROR_LOG_INTERVAL_MS,
  ) {}

  record(error: CollectorError): void {
    const now = this.nowMs();
    const key = `${error.reason}\0${error.path}`;
    const state = this.byKey.get(key);
    if (state && now - state.lastLoggedMs < this.intervalMs) {
      state.suppressed += 1;
      return;
    }
    const suppressed = state?.suppressed ?? 0;
    this.byKey.set(key, { lastLoggedMs: now, suppressed: 0 });
    this.forgetOlderThan(now);
    const fields = { collector: error.collector, reason: error.reason, path: error.path, ...(suppressed > 0 ? { suppressed } : {}) };
    const message = suppressed > 0 ? `${error.message} (${suppressed} more since the last line)` : error.message;
    // A process exiting between two reads is the normal churn of a host: debug, not warn.
    if (error.reason === 'vanished') this.logger.debug(fields, message);
    else this.logger.warn(fields, message);
  }

  /** How many (file, reason) keys are remembered (bounded: keys quiet for an interval are dropped). */
  get size(): number {
    return this.byKey.size;
  }

  private forgetOlderThan(now: number): void {
    if (this.byKey.size < 1024) return;
    for (const [key, state] of this.byKey) {
      if (now - state.lastLoggedMs >= this.intervalMs) this.byKey.delete(key);
    }
  }

  /** A sink that logs through this log and then hands the error on. */
  wrap(sink: CollectorErrorSink): CollectorErrorSink {
    return {
      report: (error) => {
        this.record(error);
        sink.report(error);
      },
    };
  }
}

/**
 * Make a collector's reported errors go through the log. The instance keeps
 * its class (the bench finds vfio_users by instanceof): only its collect is
 * replaced by one that hands it a logging sink.
 */
export function logCollectorErrors<C extends Collector>(collector: C, log: CollectorErrorLog): C {
  const collect = collector.collect.bind(collector);
  collector.collect = (ctx, draft) => collect({ ...ctx, errors: log.wrap(ctx.errors) }, draft);
  return collector;
}
