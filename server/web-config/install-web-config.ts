/**
 * Applies a web config to the fastify app: HTTPS server options at creation,
 * certificate and client-auth changes on later connections, response headers
 * and basic authentication on every request.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerOptions } from 'node:https';
import type { Server as TlsServer, TLSSocket } from 'node:tls';
import { BasicAuthVerifier, parseBasicAuthorization } from './basic-auth.js';
import type { TlsSettings } from './load-web-config.js';
import type { WebConfigSource } from './web-config-source.js';

/** How node:tls asks for client certificates under each exporter-toolkit client_auth_type. */
function clientCertOptions(tls: TlsSettings): { requestCert: boolean; rejectUnauthorized: boolean } {
  return {
    requestCert: tls.clientAuth !== 'NoClientCert',
    // Only RequireAndVerifyClientCert fails the handshake itself; the other policies are checked after it (enforceClientAuth).
    rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
  };
}

/** The https options fastify creates its server with; null for plain HTTP. */
export function httpsServerOptions(source: WebConfigSource): ServerOptions | null {
  const tls = source.current().tls;
  return tls ? { ...tls.secureContext, ...clientCertOptions(tls) } : null;
}

/** "DNS:localhost, IP Address:127.0.0.1, URI:spiffe://x" -> the values. */
function subjectAltNames(text: string | undefined): string[] {
  return (text ?? '')
    .split(', ')
    .map((entry) => entry.slice(entry.indexOf(':') + 1))
    .filter((value) => value !== '');
}

/** The checks node:tls does not make for RequireAnyClientCert, VerifyClientCertIfGiven and client_allowed_sans. */
function enforceClientAuth(socket: TLSSocket, tls: TlsSettings): string | null {
  const certificate = socket.getPeerCertificate();
  const presented = certificate !== null && Object.keys(certificate).length > 0;
  switch (tls.clientAuth) {
    case 'RequireAnyClientCert':
    case 'RequireClientCert':
      if (!presented) return 'no client certificate';
      break;
    case 'VerifyClientCertIfGiven':
      if (presented && !socket.authorized) return `client certificate not verified: ${String(socket.authorizationError)}`;
      break;
    case 'RequireAndVerifyClientCert':
      if (!socket.authorized) return `client certificate not verified: ${String(socket.authorizationError)}`;
      break;
    default:
      break;
  }
  if (tls.clientAllowedSans) {
    const names = presented ? subjectAltNames(certificate.subjectaltname) : [];
    if (!names.some((name) => tls.clientAllowedSans!.includes(name))) return 'client certificate carries none of client_allowed_sans';
  }
  return null;
}

export function installWebConfig(app: FastifyInstance, source: WebConfigSource, verifier = new BasicAuthVerifier()): void {
  if (source.current().tls) {
    const server = app.server as unknown as TlsServer & { requestCert: boolean; rejectUnauthorized: boolean };
    source.onTlsChange((tls) => {
      server.setSecureContext(tls.secureContext);
      // node:tls reads these per connection (tlsConnectionListener in lib/_tls_wrap.js).
      Object.assign(server, clientCertOptions(tls));
    });
    // Before node:tls wraps the socket with the current context: a rotated certificate applies to this connection.
    server.prependListener('connection', () => source.current());
    server.on('secureConnection', (socket: TLSSocket) => {
      const tls = source.current().tls;
      const refused = tls ? enforceClientAuth(socket, tls) : null;
      if (refused) {
        app.log.debug({ remote: socket.remoteAddress, reason: refused }, 'TLS client refused');
        socket.destroy();
      }
    });
  }
  app.addHook('onRequest', async (request, reply) => {
    const config = source.current();
    for (const [name, value] of Object.entries(config.headers)) reply.header(name, value);
    if (config.users.size === 0) return;
    if (await verifier.verify(parseBasicAuthorization(request.headers.authorization), config.users)) return;
    return reply.code(401).header('www-authenticate', 'Basic').type('text/plain; charset=utf-8').send('Unauthorized\n');
  });
}
