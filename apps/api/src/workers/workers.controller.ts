import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { WorkerRegistryEntry } from '@slipway/queue';
import { Roles } from '../auth/auth.decorators.js';
import { ApiRedis } from '../redis/api-redis.js';
import { ApiOkResponse } from '@nestjs/swagger';
import { ApiGuardedErrors } from '../openapi/api-responses.js';
import { WorkerBody } from '../openapi/schemas.js';

const SCAN_COUNT = 500;

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
  @ApiOkResponse({ type: [WorkerBody] })
  @ApiOperation({ summary: 'Live workers: id, host, pid, version, concurrency, state (active|draining), releases in flight' })
  async list(): Promise<WorkerRegistryEntry[]> {
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await this.redis.client.scan(cursor, 'MATCH', this.redis.keys.workerPattern, 'COUNT', SCAN_COUNT);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
      const entries = keys.length > 0 ? await this.redis.client.mget(...keys) : [];
      return entries
        .filter((json): json is string => json !== null) // expired between SCAN and MGET
        .map((json) => JSON.parse(json) as WorkerRegistryEntry)
        .sort((a, b) => a.id.localeCompare(b.id));
    } catch (error) {
      throw new ServiceUnavailableException(`worker registry unavailable (Redis: ${(error as Error).message})`);
    }
  }
}
