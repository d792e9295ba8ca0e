import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(here, 'unprivileged-pinwatch.sh');
const shippedUnit = path.join(here, '..', '..', 'deploy', 'pinwatch.service');
const tempDirs: string[] = [];

function printArgs(unitPath: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('bash', [script, '--print-setpriv-args', unitPath], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function unitWith(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'unprivileged-pinwatch-'));
  tempDirs.push(dir);
  const file = path.join(dir, 'pinwatch.service');
  fs.writeFileSync(file, `[Service]\nExecStart=/usr/bin/pinwatch serve\n${text}`);
  return file;
}

afterEach(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('unprivileged-pinwatch.sh: setpriv arguments from the unit', () => {
  it('grants the shipped unit\'s six capabilities as inheritable, ambient and bounding sets, nothing else', () => {
    const caps = '+bpf,+dac_read_search,+perfmon,+syslog,+sys_ptrace,+sys_resource';
    expect(printArgs(shippedUnit)).toEqual({
      status: 0,
      stdout: `--inh-caps=-all,${caps}\n--ambient-caps=-all,${caps}\n--bounding-set=-all,${caps}\n`,
      stderr: '',
    });
  });

  it('follows the unit: a capability removed from both lines is not granted', () => {
    const unit = unitWith('AmbientCapabilities=CAP_SYS_PTRACE CAP_BPF\nCapabilityBoundingSet=CAP_BPF CAP_SYS_PTRACE\n');
    expect(printArgs(unit).stdout).toBe('--inh-caps=-all,+bpf,+sys_ptrace\n--ambient-caps=-all,+bpf,+sys_ptrace\n--bounding-set=-all,+bpf,+sys_ptrace\n');
  });

  it('refuses ambient and bounding sets that differ, naming both', () => {
    const unit = unitWith('AmbientCapabilities=CAP_BPF\nCapabilityBoundingSet=CAP_BPF CAP_SYS_ADMIN\n');
    const result = printArgs(unit);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${unit}: AmbientCapabilities (CAP_BPF) and CapabilityBoundingSet (CAP_BPF CAP_SYS_ADMIN) differ`);
  });

  it('refuses a unit without the capability lines (the old root unit)', () => {
    const unit = unitWith('NoNewPrivileges=yes\n');
    const result = printArgs(unit);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${unit}: no AmbientCapabilities= line`);
  });

  it('refuses a token that is not a capability name, with its line number', () => {
    const unit = unitWith('AmbientCapabilities=CAP_BPF bpf\nCapabilityBoundingSet=CAP_BPF\n');
    const result = printArgs(unit);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${unit}:3: 'bpf' in AmbientCapabilities= is not a capability name`);
  });

  it('refuses a list split over two lines (systemd would merge them; the lab must see one list)', () => {
    const unit = unitWith('AmbientCapabilities=CAP_BPF\nAmbientCapabilities=CAP_PERFMON\nCapabilityBoundingSet=CAP_BPF CAP_PERFMON\n');
    const result = printArgs(unit);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('more than one AmbientCapabilities= line (lines 3,4)');
  });
});
