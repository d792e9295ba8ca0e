import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatDoctorReport } from './doctor-report.js';
import { prepareBpftraceRun, type CommandResult } from './run-preparation.js';
import { KERNEL_REPORTS_DIR } from './symbol-report-fixture.js';

const TASK_STRUCT_ERROR = "stdin:43:7-19: ERROR: Unknown struct/union: 'struct task_struct'";
const RLIMIT_NOTICE =
  'ERROR: Unknown error -1: couldn\'t set RLIMIT_MEMLOCK for bpftrace. If your program is not loading, you can try "ulimit -l 8192" to fix the problem';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true });
});

/**
 * A host root shaped like the kernel lab's Debian 5.10 guest: the captured kallsyms lines,
 * tracefs, /sys/kernel/btf/vmlinux present but no module BTF, vfio_iommu_type1 loaded, root.
 */
function debian510Host(): { procfs: string; sysfs: string; devfs: string; bin: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pinwatch-prep-'));
  roots.push(root);
  const report = fs.readFileSync(path.join(KERNEL_REPORTS_DIR, '5.10.0-32-amd64', 'symbols.txt'), 'utf8');
  const raw = report.slice(report.indexOf('## raw kallsyms lines')).split('\n').slice(1);
  const kallsyms = raw
    .slice(0, raw.findIndex((line) => line.startsWith('## ')))
    .filter((line) => / [tT] /.test(line))
    .map((line) => {
      const [name, type, module] = line.split(' ');
      return `ffffffffc0000000 ${type} ${name}${module === '[vmlinux]' ? '' : `\t${module}`}`;
    });
  const write = (file: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  write('proc/kallsyms', `${kallsyms.join('\n')}\n`);
  write('proc/self/status', 'Name:\tpinwatch\nCapEff:\t000001ffffffffff\n');
  write('proc/sys/kernel/osrelease', '5.10.0-46-amd64\n');
  write('sys/kernel/tracing/kprobe_events', '');
  write('sys/kernel/btf/vmlinux', '');
  fs.mkdirSync(path.join(root, 'sys', 'module', 'vfio_iommu_type1'), { recursive: true });
  write('bin/bpftrace', '#!/bin/sh\n');
  fs.chmodSync(path.join(root, 'bin', 'bpftrace'), 0o755);
  return { procfs: path.join(root, 'proc'), sysfs: path.join(root, 'sys'), devfs: path.join(root, 'dev'), bin: path.join(root, 'bin') };
}

/** bpftrace 0.17 as it behaves on 5.10: any program reading curtask fails to compile. */
function bpftrace510(calls: string[][], failEverything = false) {
  return async (_command: string, args: string[]): Promise<CommandResult> => {
    calls.push(args);
    if (args[0] === '--emit-elf') {
      const program = args[args.length - 1] ?? '';
      if (failEverything || program.includes('curtask')) {
        return { exitCode: 1, stdout: '', stderr: `${RLIMIT_NOTICE}\n${TASK_STRUCT_ERROR}\n    if (curtask->mm == 0) {\n` };
      }
      return { exitCode: 0, stdout: '', stderr: `${RLIMIT_NOTICE}\n` };
    }
    return { exitCode: 1, stdout: '', stderr: 'stdin:1:1-45: ERROR: kfunc/kretfunc not available for your kernel version.\n' };
  };
}

describe('prepareBpftraceRun on a Debian 5.10 host (kernel BTF present, bpftrace cannot use it)', () => {
  it('asks bpftrace whether curtask->mm compiles, plans without it, and compiles the program before running it', async () => {
    const host = debian510Host();
    const calls: string[][] = [];
    const preparation = await prepareBpftraceRun({
      paths: host,
      searchPath: host.bin,
      runCommand: bpftrace510(calls),
      intervalSeconds: 1,
      perPageProbes: false,
    });
    expect(preparation.ok, preparation.ok ? '' : preparation.reason).toBe(true);
    if (!preparation.ok) return;
    expect(preparation.script).not.toContain('curtask');
    expect(preparation.compile).toEqual({ ok: true, command: `${path.join(host.bin, 'bpftrace')} --emit-elf /dev/null -e <program>`, error: null });
    // The program bpftrace will run is exactly the one that compiled.
    const compiled = calls.filter((args) => args[0] === '--emit-elf').map((args) => args[args.length - 1]);
    expect(compiled.at(-1)).toBe(preparation.script);
    expect(preparation.args).toEqual(['-f', 'json', '-B', 'none', '-e', preparation.script]);
    const doctor = formatDoctorReport(preparation);
    expect(doctor).toContain('Compile check: ok');
    expect(doctor).toMatch(/bpftrace cannot read struct task_struct on this host/);
  });

  it('a program bpftrace cannot compile is a permanent failure with bpftrace\'s own error line, shown by the doctor', async () => {
    const host = debian510Host();
    const preparation = await prepareBpftraceRun({
      paths: host,
      searchPath: host.bin,
      runCommand: bpftrace510([], true),
      intervalSeconds: 1,
      perPageProbes: false,
    });
    expect(preparation).toMatchObject({
      ok: false,
      failure: 'compile',
      retryable: false,
      reason: `bpftrace cannot compile the probe program: ${TASK_STRUCT_ERROR}`,
    });
    const doctor = formatDoctorReport(preparation);
    expect(doctor).toContain(`Compile check: FAILED: ${TASK_STRUCT_ERROR}`);
    expect(doctor).toContain(`Verdict: eBPF cannot run: bpftrace cannot compile the probe program: ${TASK_STRUCT_ERROR}.`);
  });
});
