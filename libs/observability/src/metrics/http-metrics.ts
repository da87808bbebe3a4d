import type { IncomingMessage, ServerResponse } from 'node:http';
import { Histogram, type Registry } from 'prom-client';

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Express-shaped request: `route.path` is the matched route pattern (e.g. /api/v1/releases/:id). */
type RoutedRequest = IncomingMessage & { route?: { path?: unknown } };

/**
 * HTTP request durations by method, route pattern and status. The route pattern, never the raw URL, is the
 * label, so ids and query strings cannot blow up the number of series; unmatched paths share one label.
 */
export function createHttpMetricsMiddleware(registry: Registry) {
  const histogram = new Histogram({
    name: 'slipway_http_request_duration_seconds',
    help: 'HTTP request durations (until the response ends; SSE streams count their whole life), by route',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  return (req: RoutedRequest, res: ServerResponse, next: () => void): void => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const path = typeof req.route?.path === 'string' ? req.route.path : '(unmatched)';
      histogram.observe({ method: req.method ?? 'GET', route: path, status_code: String(res.statusCode) }, seconds);
    });
    next();
  };
}
