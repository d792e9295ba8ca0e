/**
 * The web config on a listening server, checked with curl as an operator
 * would: TLS, basic auth, client certificates, headers, and reloads.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import bcrypt from 'bcryptjs';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../model/logger.js';
import { buildApp } from '../app.js';
import { createPinwatchMetrics, type PinwatchMetrics } from '../metrics/create-pinwatch-metrics.js';
import { fullCycle } from '../test-support/cycle-builder.js';
import { fakeStoreReader } from '../test-support/fake-store-reader.js';
import { makeTestCertificates, type TestCertificates } from '../test-support/test-certificates.js';
import { WebConfigSource } from './web-config-source.js';

let dir = '';
let certs: TestCertificates;
let secretHash = '';
/** Every server a test started, closed after it. */
const apps: FastifyInstance[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pinwatch-web-server-'));
  certs = makeTestCertificates(dir);
  secretHash = bcrypt.hashSync('s3cret', 10);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** Replaces the file in one step, as config management does (rename over it). */
function writeAtomically(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

async function serve(webConfigText: string): Promise<{ port: number; metrics: PinwatchMetrics; configPath: string }> {
  const configPath = path.join(dir, `web-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(configPath, webConfigText);
  const metrics = createPinwatchMetrics({ buildInfo: { version: '0.1.0', nodeVersion: 'v20.19.0' } });
  metrics.observeCycle(fullCycle());
  const webConfig = new WebConfigSource(configPath, { logger: silentLogger, onReload: (result) => metrics.observeWebConfigReload(result) });
  const app = buildApp({ metrics, getLatestCycle: () => null, store: fakeStoreReader(), isReady: () => true, webConfig });
  apps.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, metrics, configPath };
}

interface CurlResult {
  exitCode: number;
  status: string;
  headers: string;
}

/** curl as an operator runs it; async, because the server answers from this same process. */
function curl(url: string, args: string[] = []): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '--max-time', '10', '-o', '/dev/null', '-D', '-', '-w', '\n%{http_code}', ...args, url], (error, stdout) => {
      const lines = stdout.trimEnd().split('\n');
      resolve({ exitCode: error ? Number((error as { code?: number }).code ?? 1) : 0, status: lines.at(-1) ?? '', headers: lines.slice(0, -1).join('\n') });
    });
  });
}

function peerCertificate(port: number): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    // The certificate as served, whoever signed it: only its subject is looked at.
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, servername: 'localhost' }, () => {
      const certificate = socket.getPeerCertificate();
      socket.end();
      resolve(certificate);
    });
    socket.on('error', reject);
  });
}

function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

const tlsWithAuth = (cert = certs.serverCert, key = certs.serverKey) =>
  [
    'tls_server_config:',
    `  cert_file: ${cert}`,
    `  key_file: ${key}`,
    'http_server_config:',
    '  headers:',
    '    X-Content-Type-Options: nosniff',
    'basic_auth_users:',
    `  prometheus: ${secretHash}`,
    '',
  ].join('\n');

describe('--web.config.file with TLS and basic auth', () => {
  it('answers 200 to the right password, 401 to a wrong one and to none', async () => {
    const { port } = await serve(tlsWithAuth());
    const url = `https://127.0.0.1:${port}/metrics`;
    const ca = ['--cacert', certs.caCert];
    const right = await curl(url, [...ca, '-u', 'prometheus:s3cret']);
    expect(right.status).toBe('200');
    expect(right.headers).toMatch(/^x-content-type-options: nosniff/im);
    const wrong = await curl(url, [...ca, '-u', 'prometheus:wrong']);
    expect(wrong.status).toBe('401');
    expect(wrong.headers).toMatch(/^www-authenticate: Basic/im);
    expect((await curl(url, [...ca, '-u', 'nobody:s3cret'])).status).toBe('401');
    expect((await curl(url, ca)).status).toBe('401');
    // The API and the landing page are behind the same door.
    expect((await curl(`https://127.0.0.1:${port}/api/v1/vms`, ca)).status).toBe('401');
  }, 30_000);

  it('refuses plain HTTP on the TLS port', async () => {
    const { port } = await serve(tlsWithAuth());
    const plain = await curl(`http://127.0.0.1:${port}/metrics`, ['-u', 'prometheus:s3cret']);
    expect(plain.exitCode).not.toBe(0);
    expect(plain.status).not.toBe('200');
  }, 30_000);

  it('counts the scrapes by route and status code', async () => {
    const { port, metrics } = await serve(tlsWithAuth());
    for (let i = 0; i < 3; i++) {
      expect((await curl(`https://127.0.0.1:${port}/metrics`, ['--cacert', certs.caCert, '-u', 'prometheus:s3cret'])).status).toBe('200');
    }
    const text = metrics.render('prometheus').body;
    expect(text).toContain('pinwatch_http_requests_total{route="/metrics",code="200"} 3');
  }, 30_000);
});

describe('client certificates', () => {
  const requireClientCert = () =>
    [
      'tls_server_config:',
      `  cert_file: ${certs.serverCert}`,
      `  key_file: ${certs.serverKey}`,
      '  client_auth_type: RequireAndVerifyClientCert',
      `  client_ca_file: ${certs.caCert}`,
      '',
    ].join('\n');

  it('RequireAndVerifyClientCert: no certificate or a stranger\'s fails the handshake, the CA\'s passes', async () => {
    const { port } = await serve(requireClientCert());
    const url = `https://127.0.0.1:${port}/healthz`;
    const withCert = await curl(url, ['--cacert', certs.caCert, '--cert', certs.clientCert, '--key', certs.clientKey]);
    expect(withCert.status).toBe('200');
    const without = await curl(url, ['--cacert', certs.caCert]);
    expect(without.exitCode).not.toBe(0);
    expect(without.status).not.toBe('200');
    const stranger = await curl(url, ['--cacert', certs.caCert, '--cert', certs.otherClientCert, '--key', certs.otherClientKey]);
    expect(stranger.exitCode).not.toBe(0);
  }, 30_000);

  it('VerifyClientCertIfGiven: no certificate passes, a stranger\'s is refused', async () => {
    const { port } = await serve(requireClientCert().replace('RequireAndVerifyClientCert', 'VerifyClientCertIfGiven'));
    const url = `https://127.0.0.1:${port}/healthz`;
    expect((await curl(url, ['--cacert', certs.caCert])).status).toBe('200');
    expect((await curl(url, ['--cacert', certs.caCert, '--cert', certs.clientCert, '--key', certs.clientKey])).status).toBe('200');
    const stranger = await curl(url, ['--cacert', certs.caCert, '--cert', certs.otherClientCert, '--key', certs.otherClientKey]);
    expect(stranger.status).not.toBe('200');
  }, 30_000);

  it('RequireAnyClientCert: any certificate passes, none is refused', async () => {
    const { port } = await serve(
      [`tls_server_config:`, `  cert_file: ${certs.serverCert}`, `  key_file: ${certs.serverKey}`, '  client_auth_type: RequireAnyClientCert', ''].join('\n'),
    );
    const url = `https://127.0.0.1:${port}/healthz`;
    expect((await curl(url, ['--cacert', certs.caCert, '--cert', certs.otherClientCert, '--key', certs.otherClientKey])).status).toBe('200');
    expect((await curl(url, ['--cacert', certs.caCert])).status).not.toBe('200');
  }, 30_000);

  it('client_allowed_sans: only a certificate naming an allowed SAN gets in', async () => {
    const { port } = await serve(`${requireClientCert()}  client_allowed_sans: [grafana.example]\n`);
    const result = await curl(`https://127.0.0.1:${port}/healthz`, ['--cacert', certs.caCert, '--cert', certs.clientCert, '--key', certs.clientKey]);
    expect(result.status).not.toBe('200');
    const allowed = await serve(`${requireClientCert()}  client_allowed_sans: [prometheus.example]\n`);
    const ok = await curl(`https://127.0.0.1:${allowed.port}/healthz`, ['--cacert', certs.caCert, '--cert', certs.clientCert, '--key', certs.clientKey]);
    expect(ok.status).toBe('200');
  }, 30_000);
});

describe('re-reading the web config', () => {
  it('applies a new password and a rotated certificate without a restart; a bad file keeps the old one, counted', async () => {
    // Its own copies of the certificate files: this test rotates them.
    const certDir = mkdtempSync(path.join(dir, 'live-'));
    const [cert, key] = [path.join(certDir, 'server.crt'), path.join(certDir, 'server.key')];
    copyFileSync(certs.serverCert, cert);
    copyFileSync(certs.serverKey, key);
    const { port, metrics, configPath } = await serve(tlsWithAuth(cert, key));
    const url = `https://127.0.0.1:${port}/metrics`;
    const ca = ['--cacert', certs.caCert];
    expect((await peerCertificate(port)).subject.CN).toBe('pinwatch-server');

    // A new user; the old one is gone.
    const otherHash = bcrypt.hashSync('n3w', 10);
    writeAtomically(configPath, tlsWithAuth(cert, key).replace(/ {2}prometheus: .*/, `  scraper: ${otherHash}`));
    expect((await curl(url, [...ca, '-u', 'prometheus:s3cret'])).status).toBe('401');
    expect((await curl(url, [...ca, '-u', 'scraper:n3w'])).status).toBe('200');

    // certbot-style rotation: same file names, new certificate.
    const rotated = makeTestCertificates(mkdtempSync(path.join(dir, 'rotated-')), 'pinwatch-server-2');
    writeAtomically(cert, readText(rotated.serverCert));
    writeAtomically(key, readText(rotated.serverKey));
    const newCa = ['--cacert', rotated.caCert];
    expect((await curl(url, [...newCa, '-u', 'scraper:n3w'])).status).toBe('200');
    expect((await peerCertificate(port)).subject.CN).toBe('pinwatch-server-2');

    // A broken file: logged, counted, the previous config stays in force.
    writeAtomically(configPath, 'basic_auth_users:\n  scraper: not-a-hash\n');
    expect((await curl(url, [...newCa, '-u', 'scraper:n3w'])).status).toBe('200');
    const text = metrics.render('prometheus').body;
    expect(text).toContain('pinwatch_web_config_reloads_total{result="success"} 2');
    expect(text).toContain('pinwatch_web_config_reloads_total{result="failure"} 1');

  }, 60_000);
});
