import { Module } from '@nestjs/common';
import { ApiRedis } from './api-redis.js';

/** The API's one command connection to Redis, shared by the releases, workers and metrics modules. */
@Module({ providers: [ApiRedis], exports: [ApiRedis] })
export class ApiRedisModule {}
