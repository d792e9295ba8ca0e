import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateBpftraceScript, TICK_MARKER } from './bpftrace-script.js';
import { resolveProbePlan } from './probe-plan.js';
import { findOnPath } from './run-preparation.js';
import { planInputsFromSymbolReport } from './symbol-report-fixture.js';

const KERNELS = ['5.10.0-32-amd64', '6.1.0-56-amd64', '6.12.117+deb13-amd64', '7.2.13+deb14-amd64'];
const GOLDEN_DIR = path.join(import.meta.dirname, '..', 'fixtures', 'ebpf', 'generated');
const bpftrace = findOnPath('bpftrace', process.env.PATH ?? '');

function scriptFor(release: string, kfunc = true): string {
  const inputs = planInputsFromSymbolReport(release);
  if (!kfunc) inputs.kfuncSupported = false;
  return generateBpftraceScript(resolveProbePlan(inputs), { intervalSeconds: 15, kernelRelease: release });
}

describe('generateBpftraceScript', () => {
  it('prints every output map each interval, then the tick marker, and clears scratch maps at END', () => {
    const script = scriptFor('6.1.0-56-amd64');
    expect(script).toContain('interval:s:15');
    for (const map of ['@pinned_pages', '@pin_errors', '@locked_inc', '@locked_dec', '@charge_failed', '@unpin_calls', '@unpinned_pages', '@unmapped_pages', '@comm']) {
      expect(script).toContain(`print(${map});`);
    }
    // nsecs when the interval probe fired: the maps are read after it (analysis/ebpf-observations.ts)
    expect(script).toMatch(/interval:s:15\n\{\n\t\$printStartedNs = nsecs;\n/);
    expect(script).toContain(`printf("${TICK_MARKER} %llu\\n", $printStartedNs);`);
    expect(script).toMatch(/END\n\{\n\tclear\(@acct_npage\);\n\}/);
    expect(script).not.toContain('print(@acct_npage)');
  });

  // Golden files: what the lab runs inside the real kernels. Regenerate on purpose with
  // UPDATE_GOLDEN=1 npx vitest run ebpf/bpftrace-script.test.ts
  it.each(KERNELS)('matches the reviewed script for %s', (release) => {
    const file = path.join(GOLDEN_DIR, `${release}.bt`);
    const script = scriptFor(release);
    if (process.env.UPDATE_GOLDEN === '1') {
      fs.mkdirSync(GOLDEN_DIR, { recursive: true });
      fs.writeFileSync(file, script);
    }
    expect(script).toBe(fs.readFileSync(file, 'utf8'));
  });

  // bpftrace --emit-elf compiles the program without attaching (what run-preparation does
  // before every run). In CI (CI=true) a missing bpftrace fails the test instead of
  // skipping it (.ci/run installs it). kfunc programs need the target
  // kernel's module BTF, which this host lacks, so the kprobe variants are compiled here
  // and the kfunc ones are proven by the kernel lab.
  it.skipIf(!bpftrace && process.env.CI !== 'true').each(KERNELS)('bpftrace 0.17 compiles the kprobe variant for %s', (release) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pinwatch-bt-'));
    const file = path.join(dir, 'plan.bt');
    fs.writeFileSync(file, scriptFor(release, false));
    expect(bpftrace, 'bpftrace on PATH').not.toBeNull();
    const result = spawnSync(bpftrace as string, ['--emit-elf', '/dev/null', file], { encoding: 'utf8', timeout: 60_000 });
    fs.rmSync(dir, { recursive: true, force: true });
    const errors = result.stderr.split('\n').filter((line) => /ERROR/.test(line) && !/RLIMIT_MEMLOCK/.test(line));
    expect(errors).toEqual([]);
    expect(result.status).toBe(0);
  });
});
