/**
 * promtool check rules and promtool test rules, on the committed files.
 * promtool comes with Debian's prometheus package (dashboards/scripts/install-prometheus.sh,
 * run by .ci/run); without it these tests skip and say so.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from './repository-files.js';

const promtool = process.env.PROMTOOL ?? 'promtool';
const promtoolFound = spawnSync(promtool, ['--version']).status === 0;
if (!promtoolFound) {
  process.stderr.write(`dashboards: "${promtool}" not found; skipping promtool checks (install: bash dashboards/scripts/install-prometheus.sh)\n`);
}
const prometheusDir = join(repositoryRoot(), 'dashboards', 'prometheus');

describe.skipIf(!promtoolFound)('promtool', () => {
  const run = (args: string[]) => {
    const result = spawnSync(promtool, args, { cwd: prometheusDir, encoding: 'utf8', timeout: 60_000 });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  };

  it('check rules accepts rules.yml with every rule in it', () => {
    const { status, output } = run(['check', 'rules', 'rules.yml']);
    expect(output).toContain('SUCCESS: 26 rules found');
    expect(status).toBe(0);
  });

  it('test rules passes every unit test', () => {
    const testFiles = readdirSync(join(prometheusDir, 'tests'))
      .filter((file) => file.endsWith('.test.yml'))
      .map((file) => join('tests', file));
    expect(testFiles).toEqual(['tests/alerts.test.yml', 'tests/recording.test.yml']);
    const { status, output } = run(['test', 'rules', ...testFiles]);
    expect(output).not.toContain('FAILED');
    expect(status, output).toBe(0);
  });
});
