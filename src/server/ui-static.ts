import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { packagePath } from '../util/package-root.js';
import type { ZodApp } from './context.js';

/** Built by `npm run build` (vite, src/ui/vite.config.ts). */
export const UI_DIR = packagePath('dist', 'ui');

/**
 * Everything the page loads comes from this server: the policy forbids other origins, so a stray font or script
 * URL fails loudly in the browser instead of leaking which fleet is being looked at. Inline styles are allowed
 * because the chart and graph libraries size their canvases with them.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>minewarden</title>
<p>The dashboard is not built. Run <code>npm run build</code> and restart the server.</p>`;

/** Serves the dashboard bundle at / (hash routing: every page is index.html, so no catch-all route is needed). */
export async function uiStatic(app: ZodApp, dir = UI_DIR): Promise<void> {
  app.addHook('onSend', async (req, reply) => {
    if (req.url.startsWith('/api/')) return;
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });
  if (!existsSync(join(dir, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type('text/html').send(NOT_BUILT));
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    index: ['index.html'],
    wildcard: false,
    // Hashed asset names change with content; index.html must be re-read so a new build is picked up.
    setHeaders(res, path) {
      res.header(
        'cache-control',
        path.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
      );
    },
  });
}
