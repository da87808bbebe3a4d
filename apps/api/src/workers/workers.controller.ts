import { componentRef } from '@slipway/contracts';
import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type WorkerRegistryEntry, readLiveWorkers } from '@slipway/queue';
import { Roles } from '../auth/auth.decorators.js';
import { ApiRedis } from '../redis/api-redis.js';
import { ApiOkResponse } from '@nestjs/swagger';
import { ApiGuardedErrors } from '../openapi/api-responses.js';

/**
 * The live workers, from the registry each worker keeps in Redis. A worker's key expires WORKER_TTL_MS
 * after its last heartbeat, so a worker that died drops out of this list on its own.
 */
@ApiTags('workers')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/workers')
@Roles('viewer')
export class WorkersController {
  constructor(private readonly redis: ApiRedis) {}

  @Get()
  @ApiOkResponse({ schema: componentRef('WorkerList') })
  @ApiOperation({ summary: 'Live workers: id, host, pid, version, concurrency, state (active|draining), releases in flight' })
  async list(): Promise<WorkerRegistryEntry[]> {
    try {
      return await readLiveWorkers(this.redis.client, this.redis.keys);
    } catch (error) {
      throw new ServiceUnavailableException(`worker registry unavailable (Redis: ${(error as Error).message})`);
    }
  }
}
