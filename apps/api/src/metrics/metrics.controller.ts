import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Registry } from 'prom-client';
import { PROMETHEUS_CONTENT_TYPE } from '@slipway/observability';
import { API_METRICS } from './api-metrics.js';
import { ApiTextResponse } from '../openapi/api-responses.js';

/** Prometheus scrape endpoint; open like /health (figures only, no release data or secrets). */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(API_METRICS) private readonly registry: Registry) {}

  @Get()
  @ApiTextResponse(200, 'text/plain', 'Prometheus text exposition format')
  @Header('Content-Type', PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics (text format 0.0.4)' })
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
