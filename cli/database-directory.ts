import path from 'node:path';

/** The db.path default (config/config-schema.ts), relative to the working directory. */
export const DEFAULT_DATABASE_PATH = 'var/pinwatch.db';

/** The packaged state directory (deploy/pinwatch.service: StateDirectory=pinwatch). */
export const PACKAGE_STATE_DIRECTORY = '/var/lib/pinwatch';

/**
 * May `serve` create the database's missing parent directory? Only for the
 * two places pinwatch itself chose: the default var/ under the working
 * directory, and the package's /var/lib/pinwatch (systemd creates it through
 * StateDirectory=, a manual install may not have). Any other --db.path was
 * typed by an operator: a missing directory there is more likely a typo or
 * an unmounted volume than a wish, so it is an error naming the directory.
 */
export function mayCreateDatabaseDirectory(databasePath: string): boolean {
  if (path.normalize(databasePath) === DEFAULT_DATABASE_PATH) return true;
  return path.isAbsolute(databasePath) && path.dirname(path.normalize(databasePath)) === PACKAGE_STATE_DIRECTORY;
}
