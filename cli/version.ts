import { readFileSync } from 'node:fs';

/** The version from package.json, read once at start-up (for --version and pinwatch_build_info). */
function readPackageVersion(): string {
  // dist/cli/version.js and cli/version.ts are both two levels below package.json.
  for (const relative of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pinwatch' && pkg.version) return pkg.version;
    } catch {
      // not at this level: try the next one
    }
  }
  return '0.0.0-unknown';
}

export const PINWATCH_VERSION = readPackageVersion();
