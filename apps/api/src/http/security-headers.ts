import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/** The dashboard and every API answer: everything is bundled and served from here; no inline script, no framing. */
const APP_CSP = {
  'default-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'style-src': ["'self'"],
  'script-src': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'script-src-attr': ["'none'"],
  // helmet adds upgrade-insecure-requests by default: it would break a dashboard served over plain HTTP
  // on a LAN address (browsers upgrade every asset to https). TLS is the proxy's job (TRUST_PROXY).
  'upgrade-insecure-requests': null,
};

/**
 * swagger-ui's page (served by @nestjs/swagger at /api/docs) loads its scripts from files here, but its
 * HTML carries <style> blocks and its components set style attributes: styles may be inline, scripts may not.
 */
const DOCS_CSP = { ...APP_CSP, 'style-src': ["'self'", "'unsafe-inline'"] };

const DOCS_PATH = /^\/api\/docs(\/|-json|$)/;

function headers(directives: typeof APP_CSP): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
    // Cross-origin isolation headers would only matter for pages embedding other sites' resources; none do.
    crossOriginEmbedderPolicy: false,
  });
}

/**
 * helmet on every response (JSON, errors, logs, SSE, dashboard files, the API docs): CSP, nosniff,
 * frame denial, referrer policy, HSTS (honoured by browsers over HTTPS only), no X-Powered-By.
 */
export function securityHeaders(): RequestHandler {
  const app = headers(APP_CSP);
  const docs = headers(DOCS_CSP);
  return (request: Request, response: Response, next: NextFunction) =>
    (DOCS_PATH.test(request.path) ? docs : app)(request, response, next);
}
