import type { CollectorError } from '../model/host-sample.js';

export type HostFileErrorReason = CollectorError['reason'];

/**
 * A host file (under the procfs/sysfs/devfs roots) that could not be read or
 * parsed. Carries the stable reason used as the `reason` metric label and the
 * path, so the collector can turn it into a CollectorError and go on.
 */
export class HostFileError extends Error {
  readonly reason: HostFileErrorReason;
  readonly path: string;

  constructor(reason: HostFileErrorReason, path: string, message: string) {
    super(message);
    this.name = 'HostFileError';
    this.reason = reason;
    this.path = path;
  }
}

/** A parse failure: names the file and quotes the offending line. */
export function malformedLineError(path: string, line: string, what: string): HostFileError {
  return new HostFileError('malformed', path, `${path}: ${what}: ${JSON.stringify(line)}`);
}

/** A parse failure about the file as a whole (a required line is missing). */
export function malformedFileError(path: string, what: string): HostFileError {
  return new HostFileError('malformed', path, `${path}: ${what}`);
}

/**
 * Map a Node fs error to a reason. ENOENT/ESRCH: the process (or device) went
 * away between listing and reading (proc_pid_lookup fails once the task is
 * reaped; some /proc/PID files return ESRCH while it is being torn down).
 * EACCES/EPERM: ptrace_may_access() refused (fd/, environ) or file mode.
 */
export function hostFileErrorFromFs(path: string, error: unknown): HostFileError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const detail = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ENOENT':
    case 'ESRCH':
      return new HostFileError('vanished', path, `${path}: gone (${code})`);
    case 'EACCES':
    case 'EPERM':
      return new HostFileError('permission', path, `${path}: permission denied (${code})`);
    default:
      return new HostFileError('io', path, `${path}: ${detail}`);
  }
}

/** Turn anything a collector caught into a CollectorError for the sink. */
export function toCollectorError(collector: string, fallbackPath: string, error: unknown): CollectorError {
  if (error instanceof HostFileError) {
    return { collector, reason: error.reason, path: error.path, message: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { collector, reason: 'io', path: fallbackPath, message: `${fallbackPath}: ${message}` };
}
