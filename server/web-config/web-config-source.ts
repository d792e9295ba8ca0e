/**
 * The web config in force, re-read when it changes: on each TCP connection
 * and each request the files' fingerprint (inode, size, mtime) is compared,
 * as exporter-toolkit re-reads its file per request. A new file that fails to
 * load keeps the old one in force; the failure is logged once per change and
 * counted.
 */
import { filesFingerprint, loadWebConfig, type TlsSettings, type WebConfig } from './load-web-config.js';

export type WebConfigReloadResult = 'success' | 'failure';

export interface WebConfigSourceOptions {
  logger: { info(object: object, message: string): void; error(object: object, message: string): void };
  /** Counted as pinwatch_web_config_reloads_total{result}. */
  onReload?: (result: WebConfigReloadResult) => void;
}

export class WebConfigSource {
  private config: WebConfig;
  private fingerprint: string;
  private readonly tlsListeners: Array<(tls: TlsSettings) => void> = [];

  /** Throws WebConfigError when the file cannot be used: the daemon must not start without the protection it was given. */
  constructor(
    readonly path: string,
    private readonly options: WebConfigSourceOptions,
  ) {
    this.config = loadWebConfig(path);
    this.fingerprint = filesFingerprint(this.config.watchedFiles);
  }

  /** Called with the new TLS settings after a reload that changed files (certificates rotate without a restart). */
  onTlsChange(listener: (tls: TlsSettings) => void): void {
    this.tlsListeners.push(listener);
  }

  /** The config in force, reloaded first when any of its files changed. */
  current(): WebConfig {
    const fingerprint = filesFingerprint(this.config.watchedFiles);
    if (fingerprint !== this.fingerprint) this.reload(fingerprint);
    return this.config;
  }

  private reload(fingerprint: string): void {
    // Remember the fingerprint either way: a bad file is reported once, not at every request.
    this.fingerprint = fingerprint;
    let next: WebConfig;
    try {
      next = loadWebConfig(this.path);
      if ((next.tls === null) !== (this.config.tls === null)) {
        throw new Error(`web config ${this.path}: tls_server_config was ${this.config.tls ? 'removed' : 'added'}: switching TLS on or off needs a restart`);
      }
    } catch (error) {
      this.options.logger.error({ err: error, file: this.path }, 'web config reload failed: keeping the previous one');
      this.options.onReload?.('failure');
      return;
    }
    this.config = next;
    // Fingerprint the new set of files (a new cert_file path is watched from now on).
    this.fingerprint = filesFingerprint(next.watchedFiles);
    if (next.tls) for (const listener of this.tlsListeners) listener(next.tls);
    this.options.logger.info({ file: this.path, tls: next.tls !== null, users: next.users.size }, 'web config reloaded');
    this.options.onReload?.('success');
  }
}
