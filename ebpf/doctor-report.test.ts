import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPreconditions } from './ebpf-preconditions.js';
import { formatDoctorReport, runEbpfDoctor } from './doctor-report.js';
import { resolveProbePlan } from './probe-plan.js';
import { planInputsFromSymbolReport } from './symbol-report-fixture.js';

describe('formatDoctorReport', () => {
  it('on the 6.1 kernel: each probe with its symbol and why, and a runnable verdict', () => {
    const plan = resolveProbePlan(planInputsFromSymbolReport('6.1.0-56-amd64'));
    const checks = checkPreconditions({
      bpftracePath: '/usr/bin/bpftrace', capEffHex: '000001ffffffffff', tracingDir: '/sys/kernel/tracing', kprobeEventsPresent: true,
      vfioType1Loaded: true, iommufdLoaded: false, moduleBtfPresent: true,
    });
    const text = formatDoctorReport({ ok: true, command: '/usr/bin/bpftrace', args: [], script: '', plan, checks });
    expect(text).toContain('  [ok] privilege: CapEff 000001ffffffffff allows BPF tracing');
    expect(text).toContain('  charge-applied: kfunc vfio_iommu_type1:mm_lock_acct  (source function mm_lock_acct)');
    expect(text).toContain('  charge-failed: kprobe vfio_iommu_type1:vfio_lock_acct.part.0  (source function vfio_lock_acct)');
    expect(text).toMatch(/why: only the compiler clone vfio_lock_acct\.part\.0 exists \(fentry needs the exact name\)/);
    expect(text).toContain('releases attributed by dma->task (the mapping owner)');
    expect(text).toContain('Verdict: eBPF can run');
  });

  it('on a host without bpftrace, privilege or kprobes: says what is missing and how to fix it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pinwatch-doctor-'));
    fs.mkdirSync(path.join(root, 'proc', 'self'), { recursive: true });
    fs.writeFileSync(path.join(root, 'proc', 'self', 'status'), 'Name:\tpinwatch\nCapEff:\t0000000000000000\n');
    fs.mkdirSync(path.join(root, 'sys', 'module', 'vfio_iommu_type1'), { recursive: true });
    const text = await runEbpfDoctor({
      paths: { procfs: path.join(root, 'proc'), sysfs: path.join(root, 'sys'), devfs: path.join(root, 'dev') },
      searchPath: path.join(root, 'bin'),
      runCommand: async () => ({ exitCode: 0, stdout: '', stderr: '' }),
      intervalSeconds: 15,
      perPageProbes: false,
    });
    fs.rmSync(root, { recursive: true, force: true });
    expect(text).toContain('  [MISSING] bpftrace: bpftrace not found on PATH');
    expect(text).toContain('fix: install bpftrace >= 0.17');
    expect(text).toContain('  [MISSING] privilege: pinwatch lacks CAP_BPF and CAP_PERFMON (and CAP_SYS_ADMIN): CapEff 0000000000000000');
    expect(text).toMatch(/\[MISSING\] kprobes: no tracefs/);
    expect(text).toContain('  [ok] module: loaded: vfio_iommu_type1');
    expect(text).toMatch(/Verdict: eBPF is off: /);
  });
});
