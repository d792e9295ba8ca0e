/**
 * The kernel lab's assertions: pinwatch against a real VFIO kernel. Reads what
 * lab/guest/run-cases.sh wrote to LAB_RESULTS inside the booted Debian kernel and checks,
 * case by case (docs/kernel.md), that
 *   - the kernel did what the case is about (vfio-cases' own report, /proc, dmesg),
 *   - the ground-truth probes (kprobes generated for this kernel in the guest) counted the same pages,
 *   - pinwatch's /metrics and /api/v1/vms agree with both at the same hold point,
 *   - each unhealthy case yields its finding and each healthy case none.
 * Each kernel's own behaviour is stated in KERNEL_FACTS; the whole run is judged from the
 * SQLite database pinwatch wrote (every finding and event), not only the hold points.
 * Run by lab/run-lab.sh (npm run test:lab); excluded from the unit `npm test`.
 */
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BpftraceMaps,
  type CaseEvent,
  LabResultsReader,
  bpftraceValue,
  median,
  promValue,
} from './lab-results.js';

const resultsDir = process.env.LAB_RESULTS;
if (!resultsDir) throw new Error('LAB_RESULTS is not set: run the kernel lab through lab/run-lab.sh');
const results = new LabResultsReader(resultsDir);

interface LabEnv {
  kernelRelease: string;
  eduDevices: string[];
  eduGroups: string[];
  caseSizePages: number;
  costSizePages: number;
  pinwatch: boolean;
}
const env = results.json<LabEnv>('env.json');
const groundTruth: BpftraceMaps = results.bpftrace('ground-truth.bpftrace.json');
const withPinwatch = env.pinwatch;
const PAGE_KB = 4;
const EDU_BAR0_PAGES = 256; // edu's BAR0 is 1 MiB (hw/misc/edu.c)
const ENOMEM = 12;
const EINVAL = 22;

/**
 * What each Debian kernel does, measured (docs/kernel.md; the symbol reports of each kernel):
 * - zeroPageCharged: a read-only MAP_DMA of memory that maps the 4 KiB zero page (or was
 *   never touched) pins it page by page and charges nothing on 5.10 and 6.1; 6.12 and 7.2
 *   replace it with fresh anonymous pages and charge them all.
 * - mmLockAcct: mm_lock_acct exists (6.1+); 5.10's vfio_lock_acct clone applies the charge.
 * - pinChargesViaLockAcct: vfio_pin_pages_remote charges through the vfio_lock_acct clone;
 *   7.2 calls mm_lock_acct directly, so the clone sees only the decrements.
 * - kfunc: module BTF, so pinwatch attaches fexit programs; 5.10 has none (kprobes only).
 */
interface KernelFacts {
  zeroPageCharged: boolean;
  mmLockAcct: boolean;
  pinChargesViaLockAcct: boolean;
  kfunc: boolean;
}
const KERNEL_FACTS: Record<string, KernelFacts> = {
  '5.10': { zeroPageCharged: false, mmLockAcct: false, pinChargesViaLockAcct: true, kfunc: false },
  '6.1': { zeroPageCharged: false, mmLockAcct: true, pinChargesViaLockAcct: true, kfunc: true },
  '6.12': { zeroPageCharged: true, mmLockAcct: true, pinChargesViaLockAcct: true, kfunc: true },
  '7.2': { zeroPageCharged: true, mmLockAcct: true, pinChargesViaLockAcct: false, kfunc: true },
};
function kernelFacts(release: string): KernelFacts {
  const series = /^(\d+\.\d+)/.exec(release)?.[1] ?? '';
  const facts = KERNEL_FACTS[series];
  if (!facts) throw new Error(`kernel ${release}: the lab states no expectations for series "${series}" (known: ${Object.keys(KERNEL_FACTS).join(', ')})`);
  return facts;
}
const facts = kernelFacts(env.kernelRelease);
function zeroPageIsCharged(_release: string): boolean {
  return facts.zeroPageCharged;
}

/** The cases run by lab/guest/run-cases.sh; all healthy except the over-limit one. */
const HEALTHY_CASES = [
  'written',
  'partial-unmap',
  'two-containers',
  'two-groups',
  'close-without-unmap',
  'exit-without-unmap',
  'zero-page-thp-never',
  'untouched-read-only',
  'zero-page-thp-always',
] as const;
const UNHEALTHY_CASE = 'memlock-exceeded';

function events(name: string): CaseEvent[] {
  return results.caseEvents(name);
}

function eventOf(name: string, kind: string): CaseEvent {
  const found = events(name).find((event) => event.event === kind);
  if (!found) throw new Error(`${name}: no "${kind}" event in ${results.path('cases', `${name}.jsonl`)}`);
  return found;
}

function num(event: CaseEvent, field: string): number {
  const value = event[field];
  if (typeof value !== 'number') throw new Error(`${event.case}/${event.event}: field ${field} is not a number`);
  return value;
}

function casePid(name: string): string {
  return results.text('cases', `${name}.pid`).trim();
}

interface VmJsonView {
  pid: number;
  vmName: string;
  lockedBytes: number;
  findings: { kind: string; severity: string; explanation: string }[];
  ebpf: {
    coverage: string;
    pinnedPagesTotal: number;
    chargedPagesTotal: number;
    unchargedPagesTotal: number;
    unpinnedPagesTotal: number;
    mappedNotChargedPages: number;
    chargeFailedPagesTotal: Record<string, number>;
    mapFailuresTotal: Record<string, number>;
    lockedDriftBytes: number;
  } | null;
}

function pinwatchVm(snapshot: string, pid: string): VmJsonView {
  const body = results.json<{ vms: VmJsonView[] }>('cases', `${snapshot}.vms.json`);
  const vm = body.vms.find((candidate) => String(candidate.pid) === pid);
  if (!vm) {
    throw new Error(
      `${snapshot}: pinwatch's /api/v1/vms lists no VFIO user with pid ${pid} (lists ${body.vms.map((v) => `${v.vmName}/${v.pid}`).join(', ') || 'none'})`,
    );
  }
  return vm;
}

function vmEbpf(snapshot: string, pid: string): NonNullable<VmJsonView['ebpf']> {
  const vm = pinwatchVm(snapshot, pid);
  if (!vm.ebpf) throw new Error(`${snapshot}: pinwatch has no eBPF view for ${vm.vmName} (pid ${pid})`);
  return vm.ebpf;
}

function seriousFindings(vm: VmJsonView): string[] {
  return vm.findings.filter((finding) => finding.severity !== 'info').map((finding) => `${finding.kind}: ${finding.explanation}`);
}

/** pinwatch's VmLck for the process equals /proc's at the same hold point, in the API and /metrics. */
function expectPinwatchVmLckMatchesProc(snapshot: string, pid: string): void {
  const procKb = results.vmLckKb(snapshot);
  expect(procKb, `${snapshot}: /proc/${pid}/status has VmLck`).not.toBeNull();
  const vm = pinwatchVm(snapshot, pid);
  expect(vm.lockedBytes, `${snapshot}: /api/v1/vms lockedBytes vs /proc VmLck`).toBe((procKb as number) * 1024);
  const metric = promValue(results.metrics(snapshot), 'pinwatch_process_locked_memory_bytes', { vm: vm.vmName });
  expect(metric, `${snapshot}: pinwatch_process_locked_memory_bytes{vm="${vm.vmName}"}`).toBe((procKb as number) * 1024);
}

/** pinwatch's eBPF page counters in the API and /metrics equal the ground-truth probes' for the pid. */
function expectPinwatchCountersMatchGroundTruth(snapshot: string, pid: string): void {
  const vm = pinwatchVm(snapshot, pid);
  const ebpf = vmEbpf(snapshot, pid);
  const truth = {
    pinned: bpftraceValue(groundTruth, '@pinned_pages', pid),
    charged: bpftraceValue(groundTruth, '@locked_inc', pid),
    uncharged: bpftraceValue(groundTruth, '@locked_dec', pid),
    unpinned: bpftraceValue(groundTruth, '@unpinned_pages', pid),
  };
  expect(
    {
      pinned: ebpf.pinnedPagesTotal,
      charged: ebpf.chargedPagesTotal,
      uncharged: ebpf.unchargedPagesTotal,
      unpinned: ebpf.unpinnedPagesTotal,
    },
    `${snapshot}: pinwatch eBPF counters vs ground-truth bpftrace for pid ${pid}`,
  ).toEqual(truth);
  const metrics = results.metrics(snapshot);
  const labels = { vm: vm.vmName };
  expect(promValue(metrics, 'pinwatch_vm_dma_pinned_pages_total', labels), `${snapshot}: pinned_pages_total`).toBe(truth.pinned);
  expect(promValue(metrics, 'pinwatch_vm_dma_charged_pages_total', labels), `${snapshot}: charged_pages_total`).toBe(truth.charged);
  expect(promValue(metrics, 'pinwatch_vm_dma_uncharged_pages_total', labels) ?? 0, `${snapshot}: uncharged_pages_total`).toBe(
    truth.uncharged,
  );
  expect(promValue(metrics, 'pinwatch_vm_dma_unpinned_pages_total', labels) ?? 0, `${snapshot}: unpinned_pages_total`).toBe(
    truth.unpinned,
  );
}

const summary: string[] = [];

describe(`kernel lab on ${env.kernelRelease}`, () => {
  it('the guest runner finished without errors', () => {
    const errors = results.text('runner-errors.txt').trim();
    expect(errors, 'lab/guest/run-cases.sh errors').toBe('');
    expect(process.env.LAB_GUEST_RC ?? '0', 'guest job exit code').toBe('0');
  });

  it('the ground-truth probes attached (every kprobe/kretprobe of the script made for this kernel)', () => {
    const kprobes = Number(results.text('ground-truth.probes').trim());
    expect(kprobes, 'ground-truth.probes (kprobes + kretprobes)').toBeGreaterThanOrEqual(8);
    const firstLine = results.text('ground-truth.bpftrace.json').split('\n')[0] ?? '';
    // bpftrace counts BEGIN and END as probes too.
    expect(JSON.parse(firstLine)).toEqual({ type: 'attached_probes', data: { probes: kprobes + 2 } });
  });

  it(`the kernel's accounting path: mm_lock_acct ${facts.mmLockAcct ? 'present' : 'absent'}, the pin path ${facts.pinChargesViaLockAcct ? 'charges through' : 'bypasses'} the vfio_lock_acct clone`, () => {
    const script = results.text('ground-truth.bt');
    expect(/^kprobe:mm_lock_acct$/m.test(script), 'ground truth probes mm_lock_acct').toBe(facts.mmLockAcct);
    const pid = casePid('written');
    const pages = env.caseSizePages;
    // What vfio_lock_acct was asked to add at MAP_DMA, vs what reached locked_vm.
    expect(bpftraceValue(groundTruth, '@acct_req_inc', pid), 'vfio_lock_acct clone increments').toBe(
      facts.pinChargesViaLockAcct ? pages : 0,
    );
    expect(bpftraceValue(groundTruth, '@acct_req_dec', pid), 'vfio_lock_acct clone decrements').toBe(pages);
    expect(bpftraceValue(groundTruth, '@locked_inc', pid)).toBe(pages);
    // __account_locked_vm (mm/util.c) is what every path ends in: it agrees for every case.
    for (const name of [...HEALTHY_CASES, UNHEALTHY_CASE]) {
      const casePidValue = casePid(name);
      expect(
        [bpftraceValue(groundTruth, '@alv_inc', casePidValue), bpftraceValue(groundTruth, '@alv_dec', casePidValue)],
        `${name}: __account_locked_vm vs the applied charges`,
      ).toEqual([bpftraceValue(groundTruth, '@locked_inc', casePidValue), bpftraceValue(groundTruth, '@locked_dec', casePidValue)]);
    }
  });

  it.skipIf(!withPinwatch)(`pinwatch's program for this kernel: ${facts.kfunc ? 'fexit with BTF' : 'kprobes only, no curtask, no mm_lock_acct'}; doctor compiled it`, () => {
    const program = results.text('pinwatch-probes.bt');
    expect(program.includes('kretfunc:'), 'kretfunc probes').toBe(facts.kfunc);
    expect(program.includes('mm_lock_acct'), 'mm_lock_acct probed').toBe(facts.mmLockAcct);
    if (!facts.kfunc) expect(program).not.toContain('curtask');
    const doctor = results.text('pinwatch-doctor.txt');
    expect(doctor).toContain('Compile check: ok');
    expect(doctor).toContain('Verdict: eBPF can run');
  });
});

/** The database pinwatch wrote during the whole run (copied out after a clean stop). */
interface StoredRow {
  pid: number | null;
  vmName: string | null;
  kind: string;
  severity: string;
  text: string;
  atMs: number;
}
function storedSerious(): { findings: StoredRow[]; events: StoredRow[] } {
  const db = new Database(results.path('pinwatch-lab.db'));
  try {
    const findings = db
      .prepare(
        `SELECT v.pid AS pid, v.vm_name AS vmName, f.kind AS kind, f.severity AS severity, f.explanation AS text, f.opened_at_ms AS atMs
           FROM findings f JOIN vms v ON v.id = f.vm_id WHERE f.severity IN ('warning', 'critical') ORDER BY f.opened_at_ms`,
      )
      .all() as StoredRow[];
    const events = db
      .prepare(
        `SELECT v.pid AS pid, e.vm_name AS vmName, e.kind AS kind, e.severity AS severity, e.message AS text, e.at_ms AS atMs
           FROM events e LEFT JOIN vms v ON v.id = e.vm_id WHERE e.severity IN ('warning', 'critical') ORDER BY e.at_ms`,
      )
      .all() as StoredRow[];
    return { findings, events };
  } finally {
    db.close();
  }
}

describe.skipIf(!withPinwatch)('the whole run, as pinwatch stored it: silent on every healthy case', () => {
  it('no warning or critical finding ever opened on a healthy case (QEMU included)', () => {
    const healthy = new Set([...HEALTHY_CASES.map((name) => casePid(name)), results.text('cases', 'qemu.pid').trim()]);
    const { findings } = storedSerious();
    const onHealthy = findings.filter((row) => healthy.has(String(row.pid)));
    expect(onHealthy.map((row) => `${row.vmName}/${row.pid} ${row.severity} ${row.kind}: ${row.text}`)).toEqual([]);
    summary.push(`stored warning/critical findings: ${findings.map((row) => `${row.kind}/${row.severity} (pid ${row.pid})`).join(', ') || 'none'}`);
  });

  it('no warning or critical event on a healthy case; only the over-limit case and its kernel log line raise them', () => {
    const memlockPid = casePid(UNHEALTHY_CASE);
    const { events } = storedSerious();
    const unexpected = events.filter(
      (row) => !(String(row.pid) === memlockPid || (row.pid === null && /RLIMIT_MEMLOCK/.test(row.text))),
    );
    expect(unexpected.map((row) => `${row.vmName ?? 'host'}/${row.pid ?? '-'} ${row.severity} ${row.kind}: ${row.text}`)).toEqual([]);
  });

  it('the over-limit case produced its critical findings and events', () => {
    const memlockPid = casePid(UNHEALTHY_CASE);
    const { findings, events } = storedSerious();
    const critical = findings.filter((row) => String(row.pid) === memlockPid && row.severity === 'critical').map((row) => row.kind);
    expect(critical, 'critical findings of the over-limit case').toEqual(expect.arrayContaining(['map-dma-failed']));
    expect(events.some((row) => /RLIMIT_MEMLOCK/.test(row.text) || String(row.pid) === memlockPid), 'its events').toBe(true);
  });
});

describe('written memory: every page pinned and charged, all released on unmap', () => {
  const name = 'written';
  const pages = env.caseSizePages;

  it('the kernel charged every page and released every page', () => {
    const map = eventOf(name, 'map');
    expect(num(map, 'errno')).toBe(0);
    expect(num(map, 'chargedPages')).toBe(pages);
    expect(results.vmLckKb(`${name}.mapped`)).toBe(pages * PAGE_KB);
    expect(num(eventOf(name, 'unmap'), 'releasedPages')).toBe(pages);
    expect(results.vmLckKb(`${name}.released`)).toBe(0);
  });

  it('the ground-truth probes saw the same pages', () => {
    const pid = casePid(name);
    expect(bpftraceValue(groundTruth, '@pinned_pages', pid)).toBe(pages);
    expect(bpftraceValue(groundTruth, '@locked_inc', pid)).toBe(pages);
    expect(bpftraceValue(groundTruth, '@locked_dec', pid)).toBe(pages);
    expect(bpftraceValue(groundTruth, '@unpinned_pages', pid)).toBe(pages);
  });

  it.skipIf(!withPinwatch)('pinwatch agrees at the mapped and released points, with no finding', () => {
    const pid = casePid(name);
    for (const point of ['mapped', 'released']) expectPinwatchVmLckMatchesProc(`${name}.${point}`, pid);
    const mapped = vmEbpf(`${name}.mapped`, pid);
    expect(mapped.coverage).toBe('full');
    expect([mapped.pinnedPagesTotal, mapped.chargedPagesTotal]).toEqual([pages, pages]);
    expect(mapped.lockedDriftBytes).toBe(0);
    expectPinwatchCountersMatchGroundTruth(`${name}.released`, pid);
    expect(seriousFindings(pinwatchVm(`${name}.mapped`, pid))).toEqual([]);
  });
});

describe('partial unmaps: the middle half released, a bisecting unmap refused', () => {
  const name = 'partial-unmap';
  const pages = env.caseSizePages;

  it('the kernel released exactly the unmapped half and refused to bisect a mapping', () => {
    expect(num(eventOf(name, 'unmap-middle'), 'releasedPages')).toBe(pages / 2);
    const bisect = eventOf(name, 'unmap-bisect');
    expect(num(bisect, 'errno')).toBe(EINVAL);
    expect(num(bisect, 'vmlckAfterKb')).toBe((pages / 2) * PAGE_KB);
    expect(results.vmLckKb(`${name}.partial`)).toBe((pages / 2) * PAGE_KB);
  });

  it('the ground-truth probes saw all pages pinned and released', () => {
    const pid = casePid(name);
    expect(bpftraceValue(groundTruth, '@pinned_pages', pid)).toBe(pages);
    expect(bpftraceValue(groundTruth, '@locked_dec', pid)).toBe(pages);
    expect(bpftraceValue(groundTruth, '@unpinned_pages', pid)).toBe(pages);
  });

  it.skipIf(!withPinwatch)('pinwatch follows the partial release, with no finding', () => {
    const pid = casePid(name);
    for (const point of ['mapped', 'partial', 'released']) expectPinwatchVmLckMatchesProc(`${name}.${point}`, pid);
    const partial = vmEbpf(`${name}.partial`, pid);
    expect([partial.chargedPagesTotal, partial.unchargedPagesTotal, partial.unpinnedPagesTotal]).toEqual([
      pages,
      pages / 2,
      pages / 2,
    ]);
    expectPinwatchCountersMatchGroundTruth(`${name}.released`, pid);
    expect(seriousFindings(pinwatchVm(`${name}.partial`, pid))).toEqual([]);
  });
});

describe('the same buffer in two containers: charged twice', () => {
  const name = 'two-containers';
  const pages = env.caseSizePages;

  it('the kernel charged the buffer once per container', () => {
    const map = eventOf(name, 'map');
    expect([num(map, 'errno'), num(map, 'errnoSecond')]).toEqual([0, 0]);
    expect(num(map, 'vmlckFirstKb')).toBe(pages * PAGE_KB);
    expect(results.vmLckKb(`${name}.mapped`)).toBe(2 * pages * PAGE_KB);
    const pid = casePid(name);
    expect(bpftraceValue(groundTruth, '@pinned_pages', pid)).toBe(2 * pages);
    expect(bpftraceValue(groundTruth, '@locked_inc', pid)).toBe(2 * pages);
  });

  it.skipIf(!withPinwatch)('pinwatch shows the double charge', () => {
    const pid = casePid(name);
    expectPinwatchVmLckMatchesProc(`${name}.mapped`, pid);
    const vm = pinwatchVm(`${name}.mapped`, pid);
    expect(vm.ebpf?.chargedPagesTotal).toBe(2 * pages);
    expectPinwatchCountersMatchGroundTruth(`${name}.released`, pid);
    expect(seriousFindings(vm)).toEqual([]);
    summary.push(`two-containers findings: ${vm.findings.map((f) => f.kind).join(', ') || 'none'}`);
  });
});

describe('over RLIMIT_MEMLOCK without CAP_IPC_LOCK: ENOMEM and the kernel log line', () => {
  const name = 'memlock-exceeded';

  it('MAP_DMA failed with ENOMEM, nothing stayed charged, and the kernel logged the limit', () => {
    const map = eventOf(name, 'map');
    expect(num(map, 'errno')).toBe(ENOMEM);
    expect(num(map, 'vmlckAfterKb')).toBe(num(map, 'vmlckBeforeKb'));
    expect(results.text('cases', `${name}.failed.dmesg`)).toContain(String(map.expectedLogLine));
    const pid = casePid(name);
    expect(bpftraceValue(groundTruth, '@pin_errors', `${pid},-${ENOMEM}`)).toBeGreaterThanOrEqual(1);
    // What was charged before the failing run is un-charged when the mapping is torn down.
    expect(bpftraceValue(groundTruth, '@locked_dec', pid)).toBe(bpftraceValue(groundTruth, '@locked_inc', pid));
  });

  it.skipIf(!withPinwatch)('pinwatch counts the failure and the kernel log event, with findings', () => {
    const pid = casePid(name);
    const snapshot = `${name}.failed`;
    expectPinwatchVmLckMatchesProc(snapshot, pid);
    const vm = pinwatchVm(snapshot, pid);
    expect(vm.ebpf?.mapFailuresTotal.ENOMEM, 'map failures ENOMEM').toBe(
      bpftraceValue(groundTruth, '@pin_errors', `${pid},-${ENOMEM}`),
    );
    const metrics = results.metrics(snapshot);
    expect(promValue(metrics, 'pinwatch_vm_dma_map_failures_total', { vm: vm.vmName, errno: 'ENOMEM' })).toBeGreaterThanOrEqual(1);
    expect(promValue(metrics, 'pinwatch_kernel_log_events_total', { kind: 'memlock_exceeded' })).toBeGreaterThanOrEqual(1);
    expect(vm.findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['map-dma-failed']));
    const eventsText = results.text('cases', `${snapshot}.events.json`);
    expect(eventsText, '/api/v1/events mentions the kernel log line').toContain('RLIMIT_MEMLOCK');
  });
});

describe('exit without unmap: released at exit, the final un-charge finds no mm (ESRCH)', () => {
  const name = 'exit-without-unmap';
  const pages = env.caseSizePages;

  it('the kernel unpinned every page at exit; the un-charge failed with ESRCH', () => {
    expect(results.vmLckKb(`${name}.mapped`)).toBe(pages * PAGE_KB);
    const pid = casePid(name);
    expect(bpftraceValue(groundTruth, '@pinned_pages', pid)).toBe(pages);
    expect(bpftraceValue(groundTruth, '@unpinned_pages', pid)).toBe(pages);
    // vfio.bt sums the (negative) npage of failed vfio_lock_acct calls by errno.
    expect(bpftraceValue(groundTruth, '@acct_failed', `${pid},-3`)).toBe(-pages);
    expect(bpftraceValue(groundTruth, '@locked_dec', pid)).toBe(0);
  });

  it.skipIf(!withPinwatch)('pinwatch saw the charge while mapped and reports no leak after exit', () => {
    const pid = casePid(name);
    expectPinwatchVmLckMatchesProc(`${name}.mapped`, pid);
    expect(vmEbpf(`${name}.mapped`, pid).chargedPagesTotal).toBe(pages);
    const after = results.json<{ vms: VmJsonView[]; exited?: { pid: number; leakedPages: number | null }[] }>(
      'cases',
      `${name}.exited.vms-all.json`,
    );
    expect(after.vms.some((vm) => String(vm.pid) === pid), 'exited process no longer a live VM').toBe(false);
    const exited = (after.exited ?? []).find((vm) => String(vm.pid) === pid);
    expect(exited?.leakedPages ?? 0, 'leaked pages after exit').toBe(0);
  });
});

describe.each([
  { thp: 'never', name: 'zero-page-thp-never' },
  { thp: 'always', name: 'zero-page-thp-always' },
])('read-only mapping of zero-page memory, THP $thp', ({ thp, name }) => {
  const pages = env.caseSizePages;
  // The 4 KiB zero page is reserved on <= 6.1 (mapped, not charged); the huge zero page
  // is a normal compound page, charged everywhere (docs/kernel.md, measured on 6.1).
  const expectedCharged = thp === 'always' || zeroPageIsCharged(env.kernelRelease) ? pages : 0;

  it(`the kernel mapped ${pages} pages and charged ${expectedCharged}`, () => {
    const map = eventOf(name, 'map');
    expect(map.thp).toBe(thp);
    expect(num(map, 'errno')).toBe(0);
    expect(num(map, 'chargedPages')).toBe(expectedCharged);
    const pid = casePid(name);
    expect(bpftraceValue(groundTruth, '@pinned_pages', pid)).toBe(pages);
    expect(bpftraceValue(groundTruth, '@locked_inc', pid)).toBe(expectedCharged);
    if (thp === 'never' && expectedCharged === 0) {
      // One vfio_pin_pages_remote call per page: each zero-page pfn is its own reserved run.
      expect(bpftraceValue(groundTruth, '@pin_calls', pid)).toBe(pages);
    }
  });

  it.skipIf(!withPinwatch)('pinwatch shows pinned vs charged and flags the uncharged pages', () => {
    const pid = casePid(name);
    expectPinwatchVmLckMatchesProc(`${name}.mapped`, pid);
    const ebpf = vmEbpf(`${name}.mapped`, pid);
    expect([ebpf.pinnedPagesTotal, ebpf.chargedPagesTotal, ebpf.mappedNotChargedPages]).toEqual([
      pages,
      expectedCharged,
      pages - expectedCharged,
    ]);
    const kinds = pinwatchVm(`${name}.mapped`, pid).findings.map((f) => f.kind);
    if (expectedCharged < pages) expect(kinds).toContain('mapped-not-charged');
    else expect(seriousFindings(pinwatchVm(`${name}.mapped`, pid))).toEqual([]);
    expectPinwatchCountersMatchGroundTruth(`${name}.released`, pid);
  });
});

describe('one container holding both groups: one mapping, pinned and charged once', () => {
  const name = 'two-groups';
  const pages = env.caseSizePages;

  it('the kernel charged the buffer once and released it on unmap', () => {
    const map = eventOf(name, 'map');
    expect(num(map, 'errno')).toBe(0);
    expect(num(map, 'chargedPages')).toBe(pages);
    expect(results.vmLckKb(`${name}.mapped`)).toBe(pages * PAGE_KB);
    expect(results.vmLckKb(`${name}.released`)).toBe(0);
    const pid = casePid(name);
    expect(bpftraceValue(groundTruth, '@pinned_pages', pid)).toBe(pages);
    expect(bpftraceValue(groundTruth, '@locked_inc', pid)).toBe(pages);
    expect(bpftraceValue(groundTruth, '@unpinned_pages', pid)).toBe(pages);
  });

  it.skipIf(!withPinwatch)('pinwatch shows one charge and matches the ground truth', () => {
    const pid = casePid(name);
    for (const point of ['mapped', 'released']) expectPinwatchVmLckMatchesProc(`${name}.${point}`, pid);
    expect(vmEbpf(`${name}.mapped`, pid).chargedPagesTotal).toBe(pages);
    expectPinwatchCountersMatchGroundTruth(`${name}.released`, pid);
  });
});

describe('close without unmap: the last close releases the container while the process runs', () => {
  const name = 'close-without-unmap';
  const pages = env.caseSizePages;

  it('the kernel unpinned and un-charged every page at close (the mm is alive: no ESRCH)', () => {
    expect(results.vmLckKb(`${name}.mapped`)).toBe(pages * PAGE_KB);
    expect(num(eventOf(name, 'close'), 'releasedPages')).toBe(pages);
    expect(results.vmLckKb(`${name}.closed`)).toBe(0);
    const pid = casePid(name);
    expect(bpftraceValue(groundTruth, '@locked_dec', pid)).toBe(pages);
    expect(bpftraceValue(groundTruth, '@unpinned_pages', pid)).toBe(pages);
    expect(bpftraceValue(groundTruth, '@acct_failed', `${pid},-3`)).toBe(0);
  });

  it.skipIf(!withPinwatch)('pinwatch counted the mapping exactly, and after the close lists the process as no VFIO user, with no leak', () => {
    const pid = casePid(name);
    expectPinwatchVmLckMatchesProc(`${name}.mapped`, pid);
    // Nothing but the close touched this pid after the mapped point: the ground truth's
    // pins and charges are the mapped point's, its releases all came at the close.
    const mapped = vmEbpf(`${name}.mapped`, pid);
    expect(
      [mapped.pinnedPagesTotal, mapped.chargedPagesTotal, mapped.unchargedPagesTotal, mapped.unpinnedPagesTotal],
      `${name}.mapped: pinwatch eBPF counters vs ground truth`,
    ).toEqual([bpftraceValue(groundTruth, '@pinned_pages', pid), bpftraceValue(groundTruth, '@locked_inc', pid), 0, 0]);
    // With its VFIO fds closed the process is no VFIO user any more (pinwatch finds VFIO
    // users by their /dev/vfio fds): not live; listed with the exited ones, nothing leaked.
    const after = results.json<{ vms: VmJsonView[]; exited?: { pid: number; leakedPages: number | null }[] }>(
      'cases',
      `${name}.closed.vms-all.json`,
    );
    expect(after.vms.some((vm) => String(vm.pid) === pid), 'no longer a live VFIO user').toBe(false);
    expect((after.exited ?? []).find((vm) => String(vm.pid) === pid)?.leakedPages ?? 0, 'leaked pages after close').toBe(0);
  });
});

describe('a read-only mapping of never-touched memory', () => {
  const name = 'untouched-read-only';
  const pages = env.caseSizePages;
  const expectedCharged = facts.zeroPageCharged ? pages : 0;

  it(`the kernel pinned ${pages} pages and charged ${expectedCharged}`, () => {
    const map = eventOf(name, 'map');
    expect(num(map, 'errno')).toBe(0);
    expect(num(map, 'chargedPages')).toBe(expectedCharged);
    const pid = casePid(name);
    expect(bpftraceValue(groundTruth, '@pinned_pages', pid)).toBe(pages);
    expect(bpftraceValue(groundTruth, '@locked_inc', pid)).toBe(expectedCharged);
  });

  it.skipIf(!withPinwatch)('pinwatch shows pinned vs charged, and the counters match the ground truth', () => {
    const pid = casePid(name);
    expectPinwatchVmLckMatchesProc(`${name}.mapped`, pid);
    const ebpf = vmEbpf(`${name}.mapped`, pid);
    expect([ebpf.pinnedPagesTotal, ebpf.chargedPagesTotal, ebpf.mappedNotChargedPages]).toEqual([
      pages,
      expectedCharged,
      pages - expectedCharged,
    ]);
    expectPinwatchCountersMatchGroundTruth(`${name}.released`, pid);
  });
});

describe('a real QEMU with an edu device: paused, then running (BAR mapped, not charged)', () => {
  const pid = (): string => results.text('cases', 'qemu.pid').trim();

  it('QEMU charged its guest RAM; once running, the BAR is pinned but not charged', () => {
    const paused = results.vmLckKb('qemu.paused') ?? 0;
    const running = results.vmLckKb('qemu.running') ?? 0;
    expect(paused, 'paused VmLck covers most of -m 64').toBeGreaterThanOrEqual(60 * 1024);
    expect(running).toBeGreaterThanOrEqual(paused);
    const notCharged = bpftraceValue(groundTruth, '@pinned_pages', pid()) - bpftraceValue(groundTruth, '@locked_inc', pid());
    expect(notCharged, 'pages pinned but never charged (BAR0 + reserved ROM runs)').toBeGreaterThanOrEqual(EDU_BAR0_PAGES);
    summary.push(`qemu: VmLck paused ${paused} kB, running ${running} kB, pinned-not-charged ${notCharged} pages (ground truth)`);
  });

  it.skipIf(!withPinwatch)('pinwatch names the VM and sees the BAR appear as mapped-not-charged', () => {
    for (const point of ['paused', 'running']) expectPinwatchVmLckMatchesProc(`qemu.${point}`, pid());
    const paused = pinwatchVm('qemu.paused', pid());
    const running = pinwatchVm('qemu.running', pid());
    expect(running.vmName).toBe('lab-vm');
    // Pinned but never charged, ever (pinned - charged) grows by the BAR at least. The
    // mapped-now figure (mappedNotChargedPages) can grow by less: while the firmware runs QEMU
    // also unmaps reserved ROM runs it had mapped (vfio_unpin_pages_remote's npage counts them).
    const reservedPinned = (vm: typeof running): number => (vm.ebpf?.pinnedPagesTotal ?? 0) - (vm.ebpf?.chargedPagesTotal ?? 0);
    expect(reservedPinned(running) - reservedPinned(paused), 'pinned-not-charged growth from paused to running').toBeGreaterThanOrEqual(EDU_BAR0_PAGES);
    expect(running.ebpf?.mappedNotChargedPages ?? 0, 'reserved pages mapped while running (the BAR among them)').toBeGreaterThanOrEqual(EDU_BAR0_PAGES);
    expect(running.findings.map((f) => f.kind)).toContain('mapped-not-charged');
    summary.push(`qemu findings running: ${running.findings.map((f) => `${f.kind}/${f.severity}`).join(', ') || 'none'}`);
  });
});

afterAll(() => {
  const lines: string[] = [`kernel lab summary: ${env.kernelRelease}`];
  const boot = results.has('boot.json') ? results.json<{ bootSeconds: number }>('boot.json').bootSeconds : null;
  lines.push(`  boot to a ready shell: ${boot ?? '?'} s`);
  for (const row of results.jsonLines('timing.jsonl')) lines.push(`  ${String(row.step).padEnd(36)} ${String(row.seconds)} s`);
  lines.push(...summary.map((line) => `  ${line}`));
  // Probe cost, from the attach/detach alternation in one run (cost/<set>.jsonl).
  const targets: Record<string, number> = { written: 1.03, 'zero-page': 1.3 };
  for (const set of ['pinwatch', 'ground-truth']) {
    if (!results.has('cost', `${set}.jsonl`)) continue;
    const samples = results.jsonLines('cost', `${set}.jsonl`).filter((row) => row.event === 'cost-sample');
    for (const memory of ['written', 'zero-page']) {
      const of = (probes: boolean): number[] =>
        samples.filter((row) => row.memory === memory && row.probes === probes).map((row) => Number(row.mapMs));
      const off = of(false);
      const on = of(true);
      if (off.length === 0 || on.length === 0) continue;
      const ratio = median(on) / median(off);
      const target = targets[memory] as number;
      lines.push(
        `  probe cost ${set.padEnd(12)} MAP_DMA ${env.costSizePages / 256} MiB ${memory.padEnd(9)}: ` +
          `median ${median(off).toFixed(1)} ms without probes, ${median(on).toFixed(1)} ms with (n=${off.length}/${on.length}): ` +
          `x${ratio.toFixed(3)} (target <= x${target}: ${ratio <= target ? 'met' : 'MISSED'})`,
      );
    }
  }
  writeFileSync(results.path('summary.txt'), `${lines.join('\n')}\n`);
});
