import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CatalogError, loadCatalog } from '@slipway/ansible';
import { ConfigError, loadConfig } from '@slipway/config';
import { databaseProblem } from '@slipway/db';
import { PinoNestLogger, ansiblePlaybookProblem, createPino, describeStartupError, fail, redisProblem, withoutStartupStackTraces } from '@slipway/observability';
import { CatalogWatch } from './catalog-watch.js';
import { RunDirectories } from './run-directory.js';
import { findRunSpawner } from './run-spawner.js';
import { ShutdownCoordinator } from './shutdown-coordinator.js';
import { WorkerModule } from './worker.module.js';

const SERVICE = 'slipway-worker';

/**
 * `node dist/apps/worker/main.js preflight` (what `npm start` runs first): everything a worker needs that
 * is not Slipway itself — ansible-playbook, Redis, MariaDB — checked in a few seconds, so a newcomer
 * without one of them gets one line saying which and how to get it, instead of two processes starting,
 * waiting and failing each in their own way. Silent and exit 0 when all is there.
 */
async function preflight(): Promise<void> {
  const service = 'slipway';
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(service, error.message);
    throw error;
  }
  const ansibleProblem = ansiblePlaybookProblem(config.ansiblePlaybookBin);
  if (ansibleProblem) fail(service, ansibleProblem);
  const redisDown = await redisProblem(config.redisUrl);
  if (redisDown) fail(service, redisDown);
  const databaseDown = await databaseProblem(config.database);
  if (databaseDown) fail(service, databaseDown);
  // Last: an invalid catalog lists its problems, and a missing ansible-inventory is one of them.
  try {
    loadCatalog(config.catalogPath, { gitCacheDir: config.gitCacheDir });
  } catch (error) {
    if (error instanceof CatalogError) fail(service, error.message);
    throw error;
  }
}

async function main(): Promise<void> {
  // SIGHUP reloads the catalog (Node's default would end the process): one during start-up is acted on once ready.
  let reloadAsked = false;
  const reloadWhenReady = () => (reloadAsked = true);
  process.on('SIGHUP', reloadWhenReady);
  let config;
  try {
    config = loadConfig();
    loadCatalog(config.catalogPath, { gitCacheDir: config.gitCacheDir });
  } catch (error) {
    if (error instanceof ConfigError || error instanceof CatalogError) fail(SERVICE, error.message);
    throw error;
  }
  const ansibleProblem = ansiblePlaybookProblem(config.ansiblePlaybookBin);
  if (ansibleProblem) fail(SERVICE, ansibleProblem);
  // Redis down is one line and exit 1 (see the API's main.ts); the database is waited for below.
  const redisDown = await redisProblem(config.redisUrl);
  if (redisDown) fail(SERVICE, redisDown);
  if (!findRunSpawner()) {
    fail(SERVICE, 'apps/worker/bin/slipway-spawner.py not found: run the worker from a Slipway checkout (it starts and supervises every ansible run)');
  }
  try {
    await new RunDirectories(config).ensureRoot();
  } catch (error) {
    fail(SERVICE, (error as Error).message);
  }
  const logger = new PinoNestLogger(createPino({ service: SERVICE, level: config.logLevel, format: config.logFormat }));
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: withoutStartupStackTraces(logger), abortOnError: false });
  const shutdown = app.get(ShutdownCoordinator);

  // Nothing may leave a run behind a worker in an unknown state: stop them, record why, exit non-zero.
  const onCrash = (error: unknown) => {
    logger.error(error instanceof Error ? error : String(error), 'Crash');
    void shutdown.crash(error).finally(() => process.exit(1));
  };
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);

  // Our own signal handling, not enableShutdownHooks(): Nest's removes its listeners after the first
  // signal, so a second SIGTERM would kill the process outright instead of escalating the drain.
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) return shutdown.escalate(signal);
    shutdown.beginDrain(signal);
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(error instanceof Error ? error : String(error), 'Shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await app.init();
  // This worker alone re-reads its own copy of the catalog file (the API's reload reaches every worker).
  const catalogWatch = app.get(CatalogWatch);
  const reload = () => void catalogWatch.reload('SIGHUP').catch((error: unknown) => logger.error(`catalog reload failed: ${(error as Error).message}`, 'Catalog'));
  process.off('SIGHUP', reloadWhenReady);
  process.on('SIGHUP', reload);
  if (reloadAsked) reload();
  logger.log(`worker ${config.workerId} ready (concurrency ${config.workerConcurrency}, queue prefix ${config.queuePrefix})`, 'Main');
}

if (process.argv[2] === 'preflight') {
  preflight().then(
    () => process.exit(0),
    (error: unknown) => fail('slipway', describeStartupError(error)),
  );
} else {
  main().catch((error: unknown) => fail(SERVICE, describeStartupError(error)));
}
