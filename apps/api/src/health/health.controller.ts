import { componentRef } from '@slipway/contracts';
import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiRedis } from '../redis/api-redis.js';
import { ApiOkResponse, ApiResponse } from '@nestjs/swagger';

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly redis: ApiRedis,
  ) {}

  @Get('live')
  @ApiOkResponse({ schema: componentRef('LiveBody'), description: 'The process answers' })
  live() {
    return { status: 'ok' };
  }

  /** Ready when the DB and Redis both answer; says which one is down otherwise. */
  @Get('ready')
  @HttpCode(200)
  @ApiOkResponse({ schema: componentRef('ReadyBody'), description: 'The DB and Redis answer' })
  @ApiResponse({ status: 503, schema: componentRef('ReadyBody'), description: 'The DB or Redis does not answer: the body says which' })
  async ready() {
    const [database, redis] = await Promise.all([
      this.check(() => this.dataSource.query('SELECT 1')),
      this.check(() => this.redis.client.ping()),
    ]);
    const body = { status: database === 'up' && redis === 'up' ? 'ok' : 'unavailable', database, redis };
    if (body.status !== 'ok') throw new ServiceUnavailableException(body);
    return body;
  }

  private async check(probe: () => Promise<unknown>): Promise<string> {
    try {
      await withTimeout(probe(), CHECK_TIMEOUT_MS);
      return 'up';
    } catch (error) {
      return `down: ${(error as Error).message}`;
    }
  }
}
