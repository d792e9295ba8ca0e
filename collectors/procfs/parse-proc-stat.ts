import { malformedLineError } from '../host-file-error.js';

export interface ProcStat {
  pid: number;
  comm: string;
  /** Field 22: start time in clock ticks after boot. */
  startTimeTicks: number;
}

/**
 * /proc/PID/stat (fs/proc/array.c do_task_stat()): "pid (comm) state ...".
 * comm may contain spaces and ')' itself, so the fields are split after the
 * LAST ')'. starttime is field 22, i.e. the 20th field after the comm
 * (field 3, state, is the first one after it).
 */
export function parseProcStat(text: string, path: string): ProcStat {
  const line = text.trimEnd();
  const open = line.indexOf(' (');
  const close = line.lastIndexOf(')');
  if (open <= 0 || close < open) throw malformedLineError(path, line, 'expected "pid (comm) state ..."');
  const pidText = line.slice(0, open);
  if (!/^\d+$/.test(pidText)) throw malformedLineError(path, line, 'expected a numeric pid before the comm');
  const afterComm = line.slice(close + 1).trim().split(' ');
  const startTimeText = afterComm[22 - 3];
  if (startTimeText === undefined || !/^\d+$/.test(startTimeText)) {
    throw malformedLineError(path, line, 'expected a numeric starttime in field 22');
  }
  return { pid: Number(pidText), comm: line.slice(open + 2, close), startTimeTicks: Number(startTimeText) };
}
