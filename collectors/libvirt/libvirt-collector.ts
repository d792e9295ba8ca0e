import type { LibvirtDomain, OrchestratorSample } from '../../model/orchestrator.js';
import type { CollectContext, Collector, HostSampleDraft } from '../collector.js';
import { HostFileError, toCollectorError } from '../host-file-error.js';
import { runPath } from '../host-paths.js';
import { hostPathExists, listHostDir, readHostText } from '../read-host-file.js';
import { LibvirtStatusParseError, parseLibvirtDomainStatus } from './parse-libvirt-domain-status.js';

export const LIBVIRT_COLLECTOR_NAME = 'libvirt';

/** The orchestrator part of the draft, created by whichever of its collectors runs first. */
export function orchestratorDraft(draft: HostSampleDraft): OrchestratorSample {
  draft.orchestrators ??= { libvirtDomains: null, processes: [] };
  return draft.orchestrators;
}

/**
 * Reads every running domain's live status XML from
 * `<runfs>/libvirt/qemu/<name>.xml` (the QEMU driver's stateDir,
 * qemu_conf.c; root-only, mode 0600). A missing directory means libvirt's
 * QEMU driver is not on this host: not an error, libvirtDomains stays null.
 * A file that does not parse is reported (malformed) and the other domains
 * are still read. Only reads: matching and judging are in analysis/.
 */
export class LibvirtCollector implements Collector {
  readonly name = LIBVIRT_COLLECTOR_NAME;

  collect(ctx: CollectContext, draft: HostSampleDraft): void {
    const dir = runPath(ctx.paths, 'libvirt', 'qemu');
    if (dir === null || !hostPathExists(dir)) return;
    // Listing a directory that exists failing (permission) is this collector failing: let it throw.
    const files = listHostDir(dir).filter((entry) => entry.endsWith('.xml')).sort();
    const domains: LibvirtDomain[] = [];
    for (const file of files) {
      const filePath = `${dir}/${file}`;
      try {
        domains.push(parseLibvirtDomainStatus(readHostText(filePath), filePath));
      } catch (error) {
        // A domain shut down between listing and reading: its file is gone, nothing to report.
        if (error instanceof HostFileError && error.reason === 'vanished') continue;
        const reported =
          error instanceof LibvirtStatusParseError ? new HostFileError('malformed', filePath, error.message) : error;
        ctx.errors.report(toCollectorError(this.name, filePath, reported));
      }
    }
    orchestratorDraft(draft).libvirtDomains = domains;
  }
}
