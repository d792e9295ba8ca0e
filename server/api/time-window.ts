/**
 * from/to query parameters: RFC 3339 timestamps or unix seconds, defaulting
 * to the last 24 hours.
 */
import { z } from 'zod';
import { BadRequestError } from '../http-errors.js';

export const DEFAULT_WINDOW_MS = 24 * 3600 * 1000;

const MAX_DATE_MS = 8.64e15;
const UNIX_SECONDS = /^\d+(\.\d+)?$/;
// RFC 3339 section 5.6 date-time: the offset is required, `T` may be a space.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch, or null when the text is neither form. */
export function parseTimestampMs(text: string): number | null {
  let ms: number | null = null;
  if (UNIX_SECONDS.test(text)) ms = Math.round(Number(text) * 1000);
  else if (RFC3339.test(text)) ms = Date.parse(text.replace(' ', 'T'));
  // Beyond +-8.64e15 ms a Date is invalid (ECMA-262 time values).
  return ms !== null && Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS ? ms : null;
}

export const timestampParameterSchema = z.string().transform((text, context) => {
  const ms = parseTimestampMs(text);
  if (ms === null) {
    context.addIssue({
      code: 'custom',
      message: `expected an RFC 3339 timestamp (2024-05-01T12:00:00Z) or unix seconds, got '${text}'`,
    });
    return z.NEVER;
  }
  return ms;
});

export interface TimeWindow {
  fromMs: number;
  toMs: number;
}

/** Applies the defaults (to = now, from = to - 24 h) and refuses from after to. */
export function resolveTimeWindow(query: { from?: number | undefined; to?: number | undefined }, nowMs: number): TimeWindow {
  const toMs = query.to ?? nowMs;
  const fromMs = query.from ?? toMs - DEFAULT_WINDOW_MS;
  if (fromMs > toMs) {
    throw new BadRequestError(
      `query parameter 'from' (${new Date(fromMs).toISOString()}) is after 'to' (${new Date(toMs).toISOString()})`,
    );
  }
  return { fromMs, toMs };
}
