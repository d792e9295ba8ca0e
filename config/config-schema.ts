import { z } from 'zod';
import { parseDurationMs, parseSizeBytes } from './duration.js';

/** A duration given as "15s" / "5m" (or milliseconds as a number), validated into ms. */
const durationMs = z.union([z.number().int().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  try {
    return parseDurationMs(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const sizeBytes = z.union([z.number().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') return value;
  try {
    return parseSizeBytes(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});

const listenAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9477 or [::1]:9477')
  .superRefine((address, ctx) => {
    // The regex allows five digits; a TCP port is 16 bits, and 0 would ask the kernel for any port.
    const portText = address.slice(address.lastIndexOf(':') + 1);
    const port = Number(portText);
    if (/^\d+$/.test(portText) && (port < 1 || port > 65535)) {
      ctx.addIssue({ code: 'custom', message: `port ${portText} is out of range: must be from 1 to 65535` });
    }
  });

/** "auto" (bpftrace when it can run, else off with the reason), "bpftrace", "off", or "replay:FILE". */
const ebpfSource = z.string().regex(/^(auto|bpftrace|off|replay:.+)$/, 'must be auto, bpftrace, off or replay:FILE');

const collectorFlags = z
  .object({
    host: z.boolean().default(true),
    vfio_users: z.boolean().default(true),
    sysfs: z.boolean().default(true),
    ebpf: z.boolean().default(true),
    kernel_log: z.boolean().default(true),
  })
  .strict()
  .prefault({});

/**
 * The one schema every setting goes through, whatever its source
 * (defaults < config file < PINWATCH_* environment < flags). Strict objects:
 * an unknown key is an error naming its path, never silently ignored.
 */
export const configSchema = z
  .object({
    web: z.object({ listenAddress: listenAddress.default('0.0.0.0:9477') }).strict().prefault({}),
    db: z
      .object({
        path: z.string().min(1).default('var/pinwatch.db'),
        retention: durationMs.default(30 * 86_400_000),
        keepAlive: durationMs.default(30 * 60_000),
      })
      .strict()
      .prefault({}),
    path: z
      .object({
        procfs: z.string().min(1).default('/proc'),
        sysfs: z.string().min(1).default('/sys'),
        devfs: z.string().min(1).default('/dev'),
      })
      .strict()
      .prefault({}),
    collection: z
      .object({
        interval: durationMs.pipe(z.number().min(100, 'must be at least 100ms')).default(15_000),
        fullScanInterval: durationMs.default(300_000),
      })
      .strict()
      .prefault({}),
    collector: collectorFlags,
    ebpf: z
      .object({
        source: ebpfSource.default('auto'),
        printInterval: durationMs.pipe(z.number().min(1000, 'must be at least 1s')).default(5_000),
        perPageProbes: z.boolean().default(false),
        leakGrace: durationMs.default(60_000),
      })
      .strict()
      .prefault({}),
    analysis: z
      .object({
        overheadAllowance: sizeBytes.default(1024 ** 3),
        headroomWarning: sizeBytes.default(256 * 1024 ** 2),
        underRatio: z.number().gt(0).lte(1).default(0.9),
        doubleChargeRatio: z.number().gt(1).default(1.8),
      })
      .strict()
      .prefault({}),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .prefault({}),
  })
  .strict();

export type PinwatchConfig = z.output<typeof configSchema>;
export type PinwatchConfigInput = z.input<typeof configSchema>;
