import type { CollectContext, Collector, HostSampleDraft } from '../collector.js';
import { procPath } from '../host-paths.js';
import { toCollectorError } from '../host-file-error.js';
import { readHostText } from '../read-host-file.js';
import { parseMeminfo } from './parse-meminfo.js';
import { parseBootId, parseOsRelease, parseUptimeSeconds } from './parse-host-kernel-files.js';

export const HOST_COLLECTOR_NAME = 'host';

/**
 * Host-wide facts: boot id (process keys are per boot), uptime (start ticks
 * -> wall-clock), kernel release and meminfo. Each file is read on its own:
 * one unreadable file is reported and leaves only its field at the default.
 */
export class HostCollector implements Collector {
  readonly name = HOST_COLLECTOR_NAME;

  collect(ctx: CollectContext, draft: HostSampleDraft): void {
    const read = <T>(parts: string[], parse: (text: string, path: string) => T): T | null => {
      const file = procPath(ctx.paths, ...parts);
      try {
        return parse(readHostText(file), file);
      } catch (error) {
        ctx.errors.report(toCollectorError(this.name, file, error));
        return null;
      }
    };
    draft.bootId = read(['sys', 'kernel', 'random', 'boot_id'], parseBootId) ?? draft.bootId;
    draft.uptimeSeconds = read(['uptime'], parseUptimeSeconds);
    draft.kernelRelease = read(['sys', 'kernel', 'osrelease'], parseOsRelease);
    draft.meminfo = read(['meminfo'], parseMeminfo);
  }
}
