/**
 * The web configuration file of prometheus/exporter-toolkit
 * (docs/web-configuration.md), the one node_exporter users already have:
 * tls_server_config, http_server_config.headers and basic_auth_users.
 * Strict: an unknown key is an error naming its path, as exporter-toolkit's
 * yaml.UnmarshalStrict makes it. Parsing only; files are read elsewhere.
 */
import { z } from 'zod';

/** exporter-toolkit's names for tls.ClientAuthType ("RequireClientCert" kept for old files, as it does). */
export const CLIENT_AUTH_TYPES = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'RequireClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;
export type ClientAuthType = (typeof CLIENT_AUTH_TYPES)[number];

/** Go's tls version names -> OpenSSL's (node:tls minVersion/maxVersion). */
export const TLS_VERSIONS = { TLS10: 'TLSv1', TLS11: 'TLSv1.1', TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' } as const;

/**
 * Go's cipher suite names (crypto/tls CipherSuites()) -> OpenSSL's. The TLS 1.3
 * suites map to null: Go ignores cipher_suites for TLS 1.3, and so does pinwatch.
 */
export const CIPHER_SUITES: Record<string, string | null> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_AES_128_GCM_SHA256: null,
  TLS_AES_256_GCM_SHA384: null,
  TLS_CHACHA20_POLY1305_SHA256: null,
};

/** Go's curve names -> OpenSSL's (node:tls ecdhCurve). */
export const CURVES = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' } as const;

/** exporter-toolkit's extraHTTPHeaders: the only headers it lets a file set, some with fixed values. */
export const CONFIGURABLE_HEADERS: Record<string, readonly string[] | null> = {
  'Strict-Transport-Security': null,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': null,
  'Content-Security-Policy': null,
};

/** A bcrypt hash as htpasswd -B and Go's bcrypt write it: $2a$, $2b$ or $2y$, cost, 53 characters. */
const bcryptHash = z.string().regex(/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/, 'must be a bcrypt hash ($2y$10$... as `htpasswd -nBC 10 ""` writes it)');

const tlsServerConfig = z
  .object({
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
    client_ca: z.string().min(1).optional(),
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    client_auth_type: z.enum(CLIENT_AUTH_TYPES, { message: `must be one of ${CLIENT_AUTH_TYPES.join(', ')}` }).default('NoClientCert'),
    client_ca_file: z.string().min(1).optional(),
    client_allowed_sans: z.array(z.string().min(1)).optional(),
    min_version: z.enum(Object.keys(TLS_VERSIONS) as [keyof typeof TLS_VERSIONS], { message: 'must be TLS10, TLS11, TLS12 or TLS13' }).default('TLS12'),
    max_version: z.enum(Object.keys(TLS_VERSIONS) as [keyof typeof TLS_VERSIONS], { message: 'must be TLS10, TLS11, TLS12 or TLS13' }).default('TLS13'),
    cipher_suites: z.array(z.string().refine((name) => name in CIPHER_SUITES, { message: 'unknown cipher suite (Go crypto/tls names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)' })).optional(),
    prefer_server_cipher_suites: z.boolean().default(true),
    curve_preferences: z.array(z.enum(Object.keys(CURVES) as [keyof typeof CURVES], { message: 'must be CurveP256, CurveP384, CurveP521 or X25519' })).optional(),
  })
  .strict()
  .superRefine((tls, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (tls.cert !== undefined && tls.cert_file !== undefined) issue('cert', 'give cert or cert_file, not both');
    if (tls.key !== undefined && tls.key_file !== undefined) issue('key', 'give key or key_file, not both');
    if (tls.client_ca !== undefined && tls.client_ca_file !== undefined) issue('client_ca', 'give client_ca or client_ca_file, not both');
    if (tls.cert === undefined && tls.cert_file === undefined) issue('cert_file', 'missing one of cert or cert_file');
    if (tls.key === undefined && tls.key_file === undefined) issue('key_file', 'missing one of key or key_file');
    const hasClientCa = tls.client_ca !== undefined || tls.client_ca_file !== undefined;
    if (hasClientCa && tls.client_auth_type === 'NoClientCert') {
      issue('client_auth_type', 'client CAs are configured but client_auth_type is NoClientCert (use RequireAndVerifyClientCert)');
    }
    // Go would verify against the system roots; a hypervisor's exporter wants its own CA, so it must be named.
    if (!hasClientCa && (tls.client_auth_type === 'VerifyClientCertIfGiven' || tls.client_auth_type === 'RequireAndVerifyClientCert')) {
      issue('client_ca_file', `${tls.client_auth_type} needs client_ca_file (or client_ca) to verify client certificates against`);
    }
    if (tls.client_allowed_sans !== undefined && !['RequireAnyClientCert', 'RequireClientCert', 'RequireAndVerifyClientCert'].includes(tls.client_auth_type)) {
      issue('client_allowed_sans', 'client_allowed_sans requires client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert');
    }
    if (TLS_VERSION_ORDER.indexOf(tls.min_version) > TLS_VERSION_ORDER.indexOf(tls.max_version)) {
      issue('min_version', `min_version ${tls.min_version} is above max_version ${tls.max_version}`);
    }
  });

const TLS_VERSION_ORDER = Object.keys(TLS_VERSIONS);

const httpServerConfig = z
  .object({
    // HTTP/2 is not served (fastify serves HTTP/1.1); accepted so node_exporter files load.
    http2: z.boolean().default(true),
    headers: z
      .record(z.string(), z.string())
      .superRefine((headers, ctx) => {
        for (const [name, value] of Object.entries(headers)) {
          if (!(name in CONFIGURABLE_HEADERS)) {
            ctx.addIssue({ code: 'custom', path: [name], message: `HTTP header "${name}" can not be configured (only ${Object.keys(CONFIGURABLE_HEADERS).join(', ')})` });
            continue;
          }
          const allowed = CONFIGURABLE_HEADERS[name];
          if (allowed && !allowed.includes(value)) ctx.addIssue({ code: 'custom', path: [name], message: `must be one of ${allowed.join(', ')}` });
        }
      })
      .default({}),
  })
  .strict()
  .prefault({});

export const webConfigFileSchema = z
  .object({
    tls_server_config: tlsServerConfig.optional(),
    http_server_config: httpServerConfig,
    basic_auth_users: z.record(z.string().min(1), bcryptHash).nullable().default({}).transform((users) => users ?? {}),
  })
  .strict();

export type WebConfigFile = z.output<typeof webConfigFileSchema>;
export type TlsServerConfig = NonNullable<WebConfigFile['tls_server_config']>;

/** "tls_server_config.cert_file: missing one of cert or cert_file; ..." — each issue with its key path. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`).join('; ');
}
