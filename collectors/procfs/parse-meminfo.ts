import type { MeminfoSample } from '../../model/host-sample.js';
import { malformedFileError, malformedLineError } from '../host-file-error.js';

/**
 * /proc/meminfo (fs/proc/meminfo.c): "Key:   value kB", except the
 * HugePages_* counts, which have no unit.
 */
export function parseMeminfo(text: string, path: string): MeminfoSample {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = /^([^:\s]+):\s+(\d+)(?: kB)?$/.exec(line);
    if (!match?.[1] || match[2] === undefined) throw malformedLineError(path, line, 'expected "Key: <number> [kB]"');
    const hasKb = line.endsWith(' kB');
    values.set(match[1], Number(match[2]) * (hasKb ? 1024 : 1));
  }
  const memTotalBytes = values.get('MemTotal');
  if (memTotalBytes === undefined) throw malformedFileError(path, 'no "MemTotal:" line');
  const hugePages = values.get('HugePages_Total') ?? 0;
  const hugePageBytes = values.get('Hugepagesize') ?? 0;
  return {
    memTotalBytes,
    memAvailableBytes: values.get('MemAvailable') ?? null,
    hugetlbTotalBytes: hugePages * hugePageBytes,
  };
}
