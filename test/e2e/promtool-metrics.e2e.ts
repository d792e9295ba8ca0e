import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `promtool check metrics` lints the exposition the way Prometheus' own tools
 * do (naming, units, _total, HELP). promtool comes from Debian's `prometheus`
 * package, which .ci/run installs (scripts/install-system-packages.sh).
 */
function promtoolCheckMetrics(file: string): { status: number | null; output: string } {
  const result = spawnSync('sh', ['-c', 'promtool check metrics < "$1"', 'sh', file], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('promtool check metrics', () => {
  it('promtool is installed', () => {
    expect(execFileSync('promtool', ['--version'], { encoding: 'utf8' })).toMatch(/promtool, version \d+\.\d+/);
  });

  it('the golden /metrics of the demo host passes the linter with no warning', () => {
    const { status, output } = promtoolCheckMetrics(fileURLToPath(new URL('../golden/demo-host-metrics.prom', import.meta.url)));
    expect(output.trim()).toBe('');
    expect(status).toBe(0);
  });

  it('the linter does catch a badly named metric (so the check above can fail)', () => {
    const bad = fileURLToPath(new URL('./fixtures/badly-named-metrics.prom', import.meta.url));
    const { status, output } = promtoolCheckMetrics(bad);
    expect(status).not.toBe(0);
    expect(output).toContain('counter metrics should have "_total" suffix');
  });
});
