/** GET /: a small HTML page linking what pinwatch serves. */
import type { FastifyPluginAsync } from 'fastify';

export interface LandingPageOptions {
  version: string;
}

const LINKS: ReadonlyArray<[path: string, what: string]> = [
  ['/metrics', 'Prometheus metrics (OpenMetrics when asked)'],
  ['/api/v1/vms', 'VFIO users now: memlock accounting and findings'],
  ['/api/v1/events', 'events of the last 24 hours'],
  ['/healthz', 'liveness'],
  ['/readyz', 'readiness (after the first collection cycle)'],
];

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function landingPageHtml(version: string): string {
  const items = LINKS.map(([path, what]) => `<li><a href="${path}">${path}</a> ${escapeHtml(what)}</li>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>pinwatch</title></head>
<body>
<h1>pinwatch ${escapeHtml(version)}</h1>
<p>Per-VM VFIO DMA pinning and RLIMIT_MEMLOCK accounting.</p>
<ul>
${items}
</ul>
</body>
</html>
`;
}

export const landingPageRoutes: FastifyPluginAsync<LandingPageOptions> = async (app, options) => {
  const html = landingPageHtml(options.version);
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
};
