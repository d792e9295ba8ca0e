import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates, type TestCertificates } from '../test-support/test-certificates.js';
import { loadWebConfig, parseWebConfig, WebConfigError } from './load-web-config.js';

// bcrypt of "secret" at cost 10, with the $2y$ prefix htpasswd writes.
const SECRET_HASH = '$2y$10$mM/iUFygO6brThslMbkuZOq.skctdQBRA9ZTsucjbBSAs8pZzk5Lq';

let dir = '';
let certs: TestCertificates;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pinwatch-web-config-'));
  certs = makeTestCertificates(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function parse(text: string) {
  return parseWebConfig(path.join(dir, 'web.yml'), text);
}

function errorOf(text: string): string {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(WebConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a WebConfigError');
}

describe('the web config file (exporter-toolkit format)', () => {
  it('reads node_exporter\'s file: TLS with relative paths, users, headers', () => {
    const config = parse(
      [
        'tls_server_config:',
        `  cert_file: ${path.basename(certs.serverCert)}`,
        `  key_file: ${path.basename(certs.serverKey)}`,
        '  client_auth_type: RequireAndVerifyClientCert',
        `  client_ca_file: ${path.basename(certs.caCert)}`,
        '  min_version: TLS13',
        '  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]',
        '  curve_preferences: [X25519, CurveP256]',
        'http_server_config:',
        '  headers:',
        '    X-Frame-Options: deny',
        '    Strict-Transport-Security: max-age=31536000',
        'basic_auth_users:',
        `  prometheus: ${SECRET_HASH}`,
      ].join('\n'),
    );
    expect(config.tls?.clientAuth).toBe('RequireAndVerifyClientCert');
    expect(config.tls?.secureContext.minVersion).toBe('TLSv1.3');
    expect(config.tls?.secureContext.maxVersion).toBe('TLSv1.3');
    expect(config.tls?.secureContext.ciphers).toBe('ECDHE-ECDSA-AES128-GCM-SHA256');
    expect(config.tls?.secureContext.ecdhCurve).toBe('X25519:P-256');
    expect(String(config.tls?.secureContext.cert)).toContain('BEGIN CERTIFICATE');
    expect(config.headers).toEqual({ 'X-Frame-Options': 'deny', 'Strict-Transport-Security': 'max-age=31536000' });
    expect([...config.users.keys()]).toEqual(['prometheus']);
    expect(config.watchedFiles).toEqual([path.join(dir, 'web.yml'), certs.serverCert, certs.serverKey, certs.caCert]);
  });

  it('an empty file or only users means plain HTTP', () => {
    expect(parse('').tls).toBeNull();
    const config = parse(`basic_auth_users:\n  alice: ${SECRET_HASH}\n`);
    expect(config.tls).toBeNull();
    expect(config.users.get('alice')).toBe(SECRET_HASH);
  });

  it.each([
    ['an unknown top-level key', 'tls_config:\n  cert_file: a\n', /web\.yml: .*tls_config/],
    ['a typo inside tls_server_config', `tls_server_config:\n  cert_file: ${'x'}\n  key_file: y\n  clientauth: x\n`, /tls_server_config: .*clientauth/],
    ['a missing key file', `tls_server_config:\n  cert_file: server.crt\n`, /tls_server_config\.key_file: missing one of key or key_file/],
    ['an unknown client_auth_type', `tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Yes\n`, /tls_server_config\.client_auth_type: must be one of NoClientCert/],
    ['a client CA without a client auth policy', `tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n`, /tls_server_config\.client_auth_type: client CAs are configured but client_auth_type is NoClientCert/],
    ['verification without a CA', `tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: RequireAndVerifyClientCert\n`, /tls_server_config\.client_ca_file: RequireAndVerifyClientCert needs client_ca_file/],
    ['an unknown TLS version', `tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: SSL3\n`, /tls_server_config\.min_version: must be TLS10, TLS11, TLS12 or TLS13/],
    ['an unknown cipher', `tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [RC4]\n`, /tls_server_config\.cipher_suites\.0: unknown cipher suite/],
    ['a header exporter-toolkit does not allow', 'http_server_config:\n  headers:\n    Server: pinwatch\n', /http_server_config\.headers\.Server: HTTP header "Server" can not be configured/],
    ['a header value it does not allow', 'http_server_config:\n  headers:\n    X-Frame-Options: allow\n', /http_server_config\.headers\.X-Frame-Options: must be one of deny, sameorigin/],
    ['a password that is not a bcrypt hash', 'basic_auth_users:\n  alice: secret\n', /basic_auth_users\.alice: must be a bcrypt hash/],
    ['YAML that does not parse', 'basic_auth_users: [\n', /web\.yml: not valid YAML/],
  ])('refuses %s, naming the file and the key', (_what, text, message) => {
    expect(errorOf(text)).toMatch(message);
    expect(errorOf(text)).toContain(path.join(dir, 'web.yml'));
  });

  it('names the certificate file it cannot read', () => {
    expect(errorOf('tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n')).toMatch(
      new RegExp(`tls_server_config\\.cert_file: cannot read ${path.join(dir, 'missing.crt')}`),
    );
  });

  it('refuses a key that does not belong to the certificate', () => {
    expect(errorOf(`tls_server_config:\n  cert_file: ${certs.serverCert}\n  key_file: ${certs.clientKey}\n`)).toMatch(/tls_server_config \(cert_file .* \/ key_file\): .*key values mismatch/);
  });

  it('names the web config file it cannot read', () => {
    expect(() => loadWebConfig(path.join(dir, 'absent.yml'))).toThrow(/web config .*absent\.yml: cannot read/);
  });

  it('reads a file from disk, relative paths against its directory', () => {
    const file = path.join(dir, 'on-disk.yml');
    writeFileSync(file, `tls_server_config:\n  cert_file: ${path.basename(certs.serverCert)}\n  key_file: ${path.basename(certs.serverKey)}\n`);
    expect(loadWebConfig(file).tls?.clientAuth).toBe('NoClientCert');
  });
});
