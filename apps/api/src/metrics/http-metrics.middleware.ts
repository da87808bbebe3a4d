import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Registry } from 'prom-client';
import { createHttpMetricsMiddleware } from '@slipway/observability';
import { API_METRICS } from './api-metrics.js';

/** Times every request into slipway_http_request_duration_seconds{method,route,status_code}. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  private readonly observe: ReturnType<typeof createHttpMetricsMiddleware>;

  constructor(@Inject(API_METRICS) registry: Registry) {
    this.observe = createHttpMetricsMiddleware(registry);
  }

  use(req: Request, res: Response, next: () => void): void {
    this.observe(req, res, next);
  }
}
