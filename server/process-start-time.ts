import type { HostSample, ProcessIdentity } from '../model/host-sample.js';

/**
 * Wall-clock start of a process, seconds since the Unix epoch. /proc/PID/stat
 * field 22 counts clock ticks since boot (fs/proc/array.c do_task_stat), and
 * boot time is the sample time minus /proc/uptime. null when uptime is unknown.
 */
export function processStartTimeSeconds(sample: HostSample, process: ProcessIdentity): number | null {
  if (sample.uptimeSeconds === null || !(sample.clockTicksPerSecond > 0)) return null;
  const bootTimeSeconds = sample.takenAtMs / 1000 - sample.uptimeSeconds;
  // Rounded to the tick: uptime's 10 ms resolution makes finer digits noise.
  const startSeconds = bootTimeSeconds + process.startTimeTicks / sample.clockTicksPerSecond;
  return Math.round(startSeconds * sample.clockTicksPerSecond) / sample.clockTicksPerSecond;
}
