import { malformedLineError } from '../host-file-error.js';

export interface ProcStat {
  pid: number;
  comm: string;
  /** Field 22: start time in clock ticks after boot. */
  startTimeTicks: number;
}

export interface ProcStatBounds {
  /** The host's uptime in ticks plus slack (kernel-range.ts maxStartTimeTicks); null when uptime is unknown. */
  maxStartTimeTicks: number | null;
}

/**
 * /proc/PID/stat (fs/proc/array.c do_task_stat()): "pid (comm) state ...".
 * comm may contain spaces and ')' itself, so the fields are split after the
 * LAST ')'. starttime is field 22, i.e. the 20th field after the comm
 * (field 3, state, is the first one after it). The pid is a pid_t
 * (PID_MAX_LIMIT is 2^22) and starttime a tick count since boot, so it is a
 * safe integer and at most the host's uptime: anything else is malformed.
 */
export function parseProcStat(text: string, path: string, bounds: ProcStatBounds = { maxStartTimeTicks: null }): ProcStat {
  const line = text.trimEnd();
  const open = line.indexOf(' (');
  const close = line.lastIndexOf(')');
  if (open <= 0 || close < open) throw malformedLineError(path, line, 'expected "pid (comm) state ..."');
  const pidText = line.slice(0, open);
  if (!/^\d{1,10}$/.test(pidText) || Number(pidText) > 2 ** 31 - 1) {
    throw malformedLineError(path, line, 'expected a numeric pid before the comm');
  }
  const afterComm = line.slice(close + 1).trim().split(' ');
  const startTimeText = afterComm[22 - 3];
  if (startTimeText === undefined || !/^\d+$/.test(startTimeText)) {
    throw malformedLineError(path, line, 'expected a numeric starttime in field 22');
  }
  const startTimeTicks = Number(startTimeText);
  if (!Number.isSafeInteger(startTimeTicks)) {
    throw malformedLineError(path, line, `starttime ${startTimeText} in field 22 is beyond any uptime`);
  }
  if (bounds.maxStartTimeTicks !== null && startTimeTicks > bounds.maxStartTimeTicks) {
    throw malformedLineError(path, line, `starttime ${startTimeText} in field 22 is after now (host uptime ${bounds.maxStartTimeTicks} ticks with slack)`);
  }
  return { pid: Number(pidText), comm: line.slice(open + 2, close), startTimeTicks };
}
