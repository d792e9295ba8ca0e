/**
 * Test-only: a CA, a server certificate for 127.0.0.1/localhost and a client
 * certificate, made with Debian's openssl (EC P-256 keys: fast), in `dir`.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface TestCertificates {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA with a client certificate the first CA did not sign. */
  otherClientCert: string;
  otherClientKey: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.crt`]);
}

function makeLeaf(dir: string, ca: string, name: string, extensions: string): void {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`]);
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
}

/** `serverName` lets a test make a second, distinguishable server certificate (rotation). */
export function makeTestCertificates(dir: string, serverName = 'pinwatch-server'): TestCertificates {
  makeCa(dir, 'test-ca');
  makeLeaf(dir, 'test-ca', serverName, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  makeLeaf(dir, 'test-ca', 'scraper', 'subjectAltName=DNS:prometheus.example\nextendedKeyUsage=clientAuth\n');
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'other-ca', 'stranger', 'subjectAltName=DNS:stranger.example\nextendedKeyUsage=clientAuth\n');
  const file = (name: string) => path.join(dir, name);
  return {
    caCert: file('test-ca.crt'),
    serverCert: file(`${serverName}.crt`),
    serverKey: file(`${serverName}.key`),
    clientCert: file('scraper.crt'),
    clientKey: file('scraper.key'),
    otherClientCert: file('stranger.crt'),
    otherClientKey: file('stranger.key'),
  };
}
