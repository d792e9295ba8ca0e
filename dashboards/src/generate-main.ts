#!/usr/bin/env node
/**
 * Writes dashboards/grafana/*.json and dashboards/prometheus/rules.yml.
 *
 *   node dist/dashboards/src/generate-main.js [--out DIR] [--selector 'job="pinwatch"']
 *        [--runbook-base-url URL] [--alert-for 0s]
 *
 * Without flags it regenerates the committed files (run from the repository
 * root); a site with another scrape job writes its own copy with --selector.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generatedOutputs } from './generated-outputs.js';
import { defaultMonitoringConfig, type MonitoringConfig } from './monitoring-config.js';

export function configFromArgs(args: string[]): { config: MonitoringConfig; outDir: string } {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string', default: 'dashboards' },
      selector: { type: 'string' },
      'runbook-base-url': { type: 'string' },
      'alert-for': { type: 'string' },
    },
    strict: true,
  });
  const config: MonitoringConfig = {
    ...defaultMonitoringConfig,
    selector: values.selector ?? defaultMonitoringConfig.selector,
    runbookBaseUrl: values['runbook-base-url'] ?? defaultMonitoringConfig.runbookBaseUrl,
    alertForOverride: values['alert-for'] ?? null,
  };
  return { config, outDir: resolve(values.out) };
}

export function writeOutputs(outputs: Map<string, string>, outDir: string): string[] {
  const written: string[] = [];
  for (const [relativePath, content] of outputs) {
    const path = join(outDir, relativePath);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    written.push(path);
  }
  return written;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  try {
    const { config, outDir } = configFromArgs(process.argv.slice(2));
    for (const path of writeOutputs(generatedOutputs(config), outDir)) process.stdout.write(`wrote ${path}\n`);
  } catch (error) {
    process.stderr.write(`pinwatch dashboards: ${(error as Error).message}\n`);
    process.exit(2);
  }
}
