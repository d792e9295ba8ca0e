/**
 * GET /: the status page a person opens on the hypervisor. Plain HTML and
 * inline CSS, no script: host totals, each VM with its findings coloured by
 * severity, exited VMs still holding pins, eBPF and collector state, links.
 * Rendered from memory (the latest cycle) at each request.
 */
import type { FastifyPluginAsync } from 'fastify';
import { formatBytes } from '../../analysis/format-bytes.js';
import type { CycleResult, VmView } from '../../model/cycle.js';
import type { Severity } from '../../model/findings.js';
import type { EbpfRunnerStats } from '../metrics/ebpf-runner-stats.js';

export interface StatusPageInput {
  version: string;
  cycle: CycleResult | null;
  /** null when the eBPF collector is not wired. */
  ebpf: EbpfRunnerStats | null;
}

export interface StatusPageOptions {
  version: string;
  getLatestCycle: () => CycleResult | null;
  ebpfRunnerStats: () => EbpfRunnerStats | null;
}

const LINKS: ReadonlyArray<[path: string, what: string]> = [
  ['/metrics', 'Prometheus metrics (OpenMetrics when asked)'],
  ['/api/v1/vms', 'VFIO users now: memlock accounting and findings (JSON)'],
  ['/api/v1/events', 'events of the last 24 hours (JSON)'],
  ['/healthz', 'liveness'],
  ['/readyz', 'readiness (after the first collection cycle)'],
];

const DOCS = ['docs/metrics.md (every metric)', 'docs/runbook.md (what each alert means and what to do)', 'docs/kernel.md (where the numbers come from)'];

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function bytesOrDash(bytes: number | null | undefined): string {
  return bytes === null || bytes === undefined ? '–' : formatBytes(bytes);
}

function hostTotals(cycle: CycleResult): string {
  const h = cycle.host;
  const rows: Array<[string, string]> = [
    ['VMs (VFIO users)', String(h.vfioUsers)],
    ['VmLck (charged to RLIMIT_MEMLOCK)', formatBytes(h.lockedBytes)],
    ['VmPin (iommufd)', formatBytes(h.pinnedBytes)],
    ['expected locked', formatBytes(h.expectedLockedBytes)],
    ['guest memory', formatBytes(h.guestMemoryBytes)],
    ['host RAM', bytesOrDash(h.memTotalBytes)],
    ['smallest memlock headroom', bytesOrDash(h.minMemlockHeadroomBytes)],
    ['findings', `${h.findingsBySeverity.critical} critical, ${h.findingsBySeverity.warning} warning, ${h.findingsBySeverity.info} info`],
  ];
  return `<table id="host-totals">\n${rows.map(([k, v]) => `<tr><th scope="row">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('\n')}\n</table>`;
}

function vmRow(vm: VmView): string {
  const a = vm.analysis;
  const worst = [...a.findings].sort((x, y) => SEVERITY_ORDER[x.severity] - SEVERITY_ORDER[y.severity])[0]?.severity ?? 'ok';
  const findings =
    a.findings.length === 0
      ? '<span class="ok">no findings</span>'
      : `<ul>${[...a.findings]
          .sort((x, y) => SEVERITY_ORDER[x.severity] - SEVERITY_ORDER[y.severity])
          .map((f) => `<li class="finding sev-${f.severity}"><strong>${f.severity}</strong> ${escapeHtml(f.kind)}: ${escapeHtml(f.explanation)}</li>`)
          .join('')}</ul>`;
  const limit = vm.process.memlockLimit.softBytes;
  const locked = a.accountingClass === 'underflow' ? 'underflow' : formatBytes(a.lockedBytes);
  return `<tr class="vm row-${worst}"><td class="vm-name">${escapeHtml(a.vmName)}</td><td>${vm.process.pid}</td><td>${escapeHtml(locked)}</td><td>${bytesOrDash(a.expectedLockedBytes)}</td><td>${limit === null ? 'unlimited' : formatBytes(limit)}</td><td>${escapeHtml(a.accountingClass)}</td><td>${vm.ebpf ? escapeHtml(vm.ebpf.coverage) : '–'}</td><td>${findings}</td></tr>`;
}

function vmTable(cycle: CycleResult): string {
  if (cycle.vms.length === 0) return '<p>No VFIO users on this host.</p>';
  const byWorst = [...cycle.vms].sort((x, y) => x.analysis.vmName.localeCompare(y.analysis.vmName));
  return `<table id="vms">
<thead><tr><th>VM</th><th>pid</th><th>VmLck</th><th>expected</th><th>memlock limit</th><th>accounting</th><th>eBPF</th><th>findings</th></tr></thead>
<tbody>
${byWorst.map(vmRow).join('\n')}
</tbody>
</table>`;
}

function leaks(cycle: CycleResult): string {
  if (cycle.leaks.length === 0) return '';
  return `<h2>Exited VMs still holding pinned pages</h2>\n<ul id="leaks">${cycle.leaks
    .map((l) => `<li class="finding sev-critical">${escapeHtml(l.vmName)}: ${formatBytes(l.leakedPages * 4096)} (${l.leakedPages} pages) pinned after exit at ${new Date(l.exitedAtMs).toISOString()}</li>`)
    .join('')}</ul>`;
}

function ebpfState(ebpf: EbpfRunnerStats | null): string {
  if (ebpf === null) return '<p id="ebpf-state">eBPF: <strong>off</strong> (collector disabled)</p>';
  const reason = ebpf.reason ? ` — ${escapeHtml(ebpf.reason)}` : '';
  return `<p id="ebpf-state" class="ebpf-${escapeHtml(ebpf.state)}">eBPF: <strong>${escapeHtml(ebpf.state)}</strong>, ${ebpf.probesAttached} probes attached, ${ebpf.starts} bpftrace start${ebpf.starts === 1 ? '' : 's'}${reason}</p>`;
}

function collectors(cycle: CycleResult): string {
  const errorsByCollector = new Map<string, number>();
  for (const e of cycle.sample.errors) errorsByCollector.set(e.collector, (errorsByCollector.get(e.collector) ?? 0) + 1);
  const rows = cycle.sample.runs.map(
    (run) =>
      `<tr class="${run.success ? 'ok' : 'sev-critical'}"><td>${escapeHtml(run.collector)}</td><td>${run.success ? 'ok' : `failed: ${escapeHtml(run.errorMessage ?? '')}`}</td><td>${(run.durationSeconds * 1000).toFixed(1)} ms</td><td>${errorsByCollector.get(run.collector) ?? 0}</td></tr>`,
  );
  return `<table id="collectors">
<thead><tr><th>collector</th><th>last run</th><th>took</th><th>files it could not read (this cycle)</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>`;
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1.5em;color:#1b1b1b}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
thead th{background:#eee}ul{margin:0;padding-left:1.2em}
.sev-critical{background:#fde2e1;color:#8a1111}.sev-warning{background:#fff3cd;color:#6b4e00}.sev-info{background:#e6f0fa;color:#1d4d7a}
.ok{color:#1e6b2a}.row-critical td.vm-name{border-left:6px solid #c62828}.row-warning td.vm-name{border-left:6px solid #e0a800}
.row-info td.vm-name{border-left:6px solid #4a90d9}.row-ok td.vm-name{border-left:6px solid #2e7d32}
.ebpf-running strong{color:#1e6b2a}.ebpf-failed strong,.ebpf-off strong{color:#8a1111}`;

export function statusPageHtml(input: StatusPageInput): string {
  const { cycle } = input;
  const body = cycle
    ? `<p>Last collection cycle: ${new Date(cycle.sample.takenAtMs).toISOString()}${cycle.sample.kernelRelease ? `, kernel ${escapeHtml(cycle.sample.kernelRelease)}` : ''}.</p>
<h2>Host</h2>
${hostTotals(cycle)}
<h2>VMs</h2>
${vmTable(cycle)}
${leaks(cycle)}
<h2>Collectors</h2>
${ebpfState(input.ebpf)}
${collectors(cycle)}`
    : `<p id="not-ready">No collection cycle has finished yet.</p>\n${ebpfState(input.ebpf)}`;
  const links = LINKS.map(([path, what]) => `<li><a href="${path}">${path}</a> ${escapeHtml(what)}</li>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>pinwatch</title>
<style>${STYLE}</style></head>
<body>
<h1>pinwatch ${escapeHtml(input.version)}</h1>
<p>Per-VM VFIO DMA pinning and RLIMIT_MEMLOCK accounting.</p>
${body}
<h2>Endpoints</h2>
<ul id="links">
${links}
</ul>
<p>Documentation, in the pinwatch source and package: ${DOCS.map((d) => escapeHtml(d)).join('; ')}.</p>
</body>
</html>
`;
}

export const statusPageRoutes: FastifyPluginAsync<StatusPageOptions> = async (app, options) => {
  app.get('/', async (_request, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .send(statusPageHtml({ version: options.version, cycle: options.getLatestCycle(), ebpf: options.ebpfRunnerStats() })),
  );
};
