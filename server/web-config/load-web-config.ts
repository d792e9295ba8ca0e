/**
 * Reads a web configuration file (web-config-schema.ts) and the certificate
 * files it names, into what the server applies: TLS options that node:tls has
 * accepted, response headers, and the basic-auth users. Every error names the
 * file and the key. Relative paths are relative to the web config file, as
 * exporter-toolkit's SetDirectory makes them.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { parse as parseYaml } from 'yaml';
import {
  CIPHER_SUITES,
  CURVES,
  TLS_VERSIONS,
  describeIssues,
  webConfigFileSchema,
  type ClientAuthType,
  type TlsServerConfig,
} from './web-config-schema.js';

export class WebConfigError extends Error {}

export interface TlsSettings {
  /** For https.createServer and server.setSecureContext. */
  secureContext: SecureContextOptions;
  clientAuth: ClientAuthType;
  /** Subject alternative names a client certificate must carry one of; null = any. */
  clientAllowedSans: readonly string[] | null;
}

export interface WebConfig {
  /** null: plain HTTP (a file with only basic_auth_users or headers). */
  tls: TlsSettings | null;
  headers: Readonly<Record<string, string>>;
  /** user -> bcrypt hash; empty = no authentication. */
  users: ReadonlyMap<string, string>;
  /** The config file and every file it names: a change to any of them reloads. */
  watchedFiles: readonly string[];
}

function readNamedFile(configPath: string, key: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new WebConfigError(`web config ${configPath}: tls_server_config.${key}: cannot read ${file}: ${(error as Error).message}`);
  }
}

function tlsSettings(configPath: string, tls: TlsServerConfig): { settings: TlsSettings; files: string[] } {
  const dir = path.dirname(configPath);
  const files: string[] = [];
  const pem = (inline: string | undefined, fileKey: string, file: string | undefined): string | undefined => {
    if (inline !== undefined) return inline;
    if (file === undefined) return undefined;
    const resolved = path.resolve(dir, file);
    files.push(resolved);
    return readNamedFile(configPath, fileKey, resolved);
  };
  const cert = pem(tls.cert, 'cert_file', tls.cert_file);
  const key = pem(tls.key, 'key_file', tls.key_file);
  const ca = pem(tls.client_ca, 'client_ca_file', tls.client_ca_file);
  const ciphers = (tls.cipher_suites ?? []).map((name) => CIPHER_SUITES[name]).filter((name): name is string => typeof name === 'string');
  const secureContext: SecureContextOptions = {
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(ca !== undefined ? { ca } : {}),
    minVersion: TLS_VERSIONS[tls.min_version],
    maxVersion: TLS_VERSIONS[tls.max_version],
    honorCipherOrder: tls.prefer_server_cipher_suites,
    ...(ciphers.length > 0 ? { ciphers: ciphers.join(':') } : {}),
    ...(tls.curve_preferences ? { ecdhCurve: tls.curve_preferences.map((curve) => CURVES[curve]).join(':') } : {}),
  };
  // What the server will do with them: a key that does not match the certificate fails here, not at the first handshake.
  try {
    createSecureContext(secureContext);
  } catch (error) {
    const where = tls.cert_file !== undefined ? `cert_file ${path.resolve(dir, tls.cert_file)} / key_file` : 'cert / key';
    throw new WebConfigError(`web config ${configPath}: tls_server_config (${where}): ${(error as Error).message}`);
  }
  return { settings: { secureContext, clientAuth: tls.client_auth_type, clientAllowedSans: tls.client_allowed_sans ?? null }, files };
}

/** Parses the text of a web config file; `configPath` names it in errors and anchors relative paths. */
export function parseWebConfig(configPath: string, text: string): WebConfig {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new WebConfigError(`web config ${configPath}: not valid YAML: ${(error as Error).message}`);
  }
  const parsed = webConfigFileSchema.safeParse(document ?? {});
  if (!parsed.success) throw new WebConfigError(`web config ${configPath}: ${describeIssues(parsed.error)}`);
  const tls = parsed.data.tls_server_config ? tlsSettings(configPath, parsed.data.tls_server_config) : null;
  return {
    tls: tls?.settings ?? null,
    headers: parsed.data.http_server_config.headers,
    users: new Map(Object.entries(parsed.data.basic_auth_users)),
    watchedFiles: [configPath, ...(tls?.files ?? [])],
  };
}

export function loadWebConfig(configPath: string): WebConfig {
  const absolute = path.resolve(configPath);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new WebConfigError(`web config ${absolute}: cannot read: ${(error as Error).message}`);
  }
  return parseWebConfig(absolute, text);
}

/** A cheap fingerprint of the files (inode, size, mtime): compared on each connection and request. */
export function filesFingerprint(files: readonly string[]): string {
  return files
    .map((file) => {
      try {
        const stat = statSync(file, { bigint: true });
        return `${file}:${stat.ino}:${stat.size}:${stat.mtimeNs}`;
      } catch {
        return `${file}:missing`;
      }
    })
    .join('|');
}
