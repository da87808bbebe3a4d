import type { Server } from 'node:http';
import type { HttpConfig } from '@slipway/config';
import express, { type Express } from 'express';

/** How often Node looks for requests past their timeout (its default, 30 s, would let them run that much longer). */
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

/**
 * The Express instance Nest runs on, configured before Nest creates its router (the router takes these
 * settings when it is made and ignores later changes):
 * - case-sensitive routing: `/API/v1/...` is not `/api/v1/...`, so no spelling of a path reaches a controller
 *   that the guard would read differently;
 * - "trust proxy" only for the proxies TRUST_PROXY names: then, and only then, X-Forwarded-For gives the
 *   client address (rate limits) and X-Forwarded-Proto makes the session cookie Secure.
 */
export function createExpressInstance(http: HttpConfig): Express {
  const app = express();
  app.set('case sensitive routing', true);
  app.set('trust proxy', http.trustProxy);
  app.disable('x-powered-by');
  return app;
}

/**
 * A slow client (slowloris: headers or a body a byte at a time) holds a connection only this long: Node
 * answers 408 and closes it. SSE and log downloads are unaffected (the timeouts bound receiving the request).
 */
export function applyServerTimeouts(server: Server, http: HttpConfig): void {
  server.requestTimeout = http.requestTimeoutMs;
  server.headersTimeout = http.headersTimeoutMs;
  server.keepAliveTimeout = http.keepAliveTimeoutMs;
  // Read when the server starts listening (setupConnectionsTracking), so setting it before listen() works.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = TIMEOUT_CHECK_INTERVAL_MS;
}
