import 'reflect-metadata';
import { ShutdownSignal } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { CatalogError, loadCatalog } from '@slipway/ansible';
import express from 'express';
import { ConfigError, type SlipwayConfig, loadConfig } from '@slipway/config';
import { migrate } from '@slipway/db';
import { PinoNestLogger, createHttpLogger, createPino, describeStartupError, fail, redisProblem, withoutStartupStackTraces } from '@slipway/observability';
import { ApiModule } from './api.module.js';
import { CatalogReloadService } from './catalog/catalog-reload.service.js';
import { applyServerTimeouts, createExpressInstance } from './http/http-server.js';
import { JSON_BODY_LIMIT, refuseDeepJson } from './http/json-body.js';
import { securityHeaders } from './http/security-headers.js';
import { setupOpenApi } from './openapi/openapi.js';

const SERVICE = 'slipway-api';
/** Requests must answer within 5 s even with the DB away, so the API's DB budget is short. */
const API_DB_RETRY_BUDGET_MS = 3_000;
const API_DB_CONNECT_TIMEOUT_MS = 2_000;

function readConfig(): SlipwayConfig {
  try {
    const config = loadConfig();
    loadCatalog(config.catalogPath, { gitCacheDir: config.gitCacheDir });
    return {
      ...config,
      database: {
        ...config.database,
        retryBudgetMs: Math.min(config.database.retryBudgetMs, API_DB_RETRY_BUDGET_MS),
        connectTimeoutMs: Math.min(config.database.connectTimeoutMs, API_DB_CONNECT_TIMEOUT_MS),
      },
    };
  } catch (error) {
    if (error instanceof ConfigError || error instanceof CatalogError) fail(SERVICE, error.message);
    throw error;
  }
}

async function main(): Promise<void> {
  // SIGHUP reloads the catalog (Node's default would end the process): one during start-up is acted on once ready.
  let reloadAsked = false;
  const reloadWhenReady = () => (reloadAsked = true);
  process.on('SIGHUP', reloadWhenReady);
  const config = readConfig();
  const logger = new PinoNestLogger(createPino({ service: SERVICE, level: config.logLevel, format: config.logFormat }));
  const applied = await migrate(config.database);
  if (applied.length > 0) logger.log(`applied migrations: ${applied.join(', ')}`, 'Main');
  if (process.argv[2] === 'migrate') {
    // `npm run db:migrate`: the same code path as start-up, then exit.
    logger.log(`database ${config.database.database} is up to date`, 'Main');
    return;
  }

  // Redis down is one line and exit 1, like the database: without this check the queue's connections
  // retry forever, the API never listens and BullMQ prints a stack trace per attempt.
  const redisDown = await redisProblem(config.redisUrl);
  if (redisDown) fail(SERVICE, redisDown);

  const app = await NestFactory.create<NestExpressApplication>(
    ApiModule.forRoot(config),
    new ExpressAdapter(createExpressInstance(config.http)),
    { logger: withoutStartupStackTraces(logger), bodyParser: false, abortOnError: false },
  );
  applyServerTimeouts(app.getHttpServer(), config.http);
  app.use(securityHeaders());
  app.use(createHttpLogger(logger.pino));
  // express.json itself (what useBodyParser installs), because Nest's typing keeps `verify` for rawBody.
  app.use(express.json({ limit: JSON_BODY_LIMIT, verify: refuseDeepJson }));
  setupOpenApi(app);
  // Every signal Nest shuts down on except SIGHUP, which reloads the catalog.
  app.enableShutdownHooks(Object.values(ShutdownSignal).filter((signal) => signal !== ShutdownSignal.SIGHUP));
  await app.listen(config.port, config.host);
  // The same as POST /api/v1/catalog/reload (workers follow), audited with SIGHUP as the actor.
  const reloads = app.get(CatalogReloadService);
  const reload = () => void reloads.reload('SIGHUP', 'SIGHUP').catch((error: unknown) => logger.error(`catalog reload failed: ${(error as Error).message}`, 'Catalog'));
  process.off('SIGHUP', reloadWhenReady);
  process.on('SIGHUP', reload);
  if (reloadAsked) reload();
  logger.log(`API listening on http://${config.host}:${config.port}`, 'Main');
}

main().catch((error: unknown) => fail(SERVICE, describeStartupError(error)));
