import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { LoggerService } from '@nestjs/common';
import { Redis } from 'ioredis';
import { redisErrorCode, redisOptions } from '@slipway/queue';

/** Finds an executable the way execvp would; null when it is not there. */
export function findExecutable(bin: string, pathEnv = process.env.PATH ?? ''): string | null {
  const found = checkExecutable(bin, pathEnv);
  return found.ok ? found.path : null;
}

export type ExecutableCheck = { ok: true; path: string } | { ok: false; problem: 'not found' | 'not a file' | 'not executable'; path: string };

/**
 * What execvp would make of `bin`: a name is looked up on PATH, a path is taken as it is. Root passes
 * access(X_OK) for a directory or for any file with one x bit, so the kind of file is checked too.
 */
export function checkExecutable(bin: string, pathEnv = process.env.PATH ?? ''): ExecutableCheck {
  const candidates = bin.includes('/') ? [bin] : pathEnv.split(delimiter).filter(Boolean).map((dir) => join(dir, bin));
  let firstProblem: ExecutableCheck | null = null;
  for (const candidate of candidates) {
    let isFile: boolean;
    try {
      isFile = statSync(candidate).isFile();
    } catch {
      continue; // not here; try the next directory
    }
    if (!isFile) {
      firstProblem ??= { ok: false, problem: 'not a file', path: candidate };
      continue;
    }
    try {
      accessSync(candidate, constants.X_OK);
      return { ok: true, path: candidate };
    } catch {
      firstProblem ??= { ok: false, problem: 'not executable', path: candidate };
    }
  }
  return firstProblem ?? { ok: false, problem: 'not found', path: bin };
}

/** The line a worker stops with when ANSIBLE_PLAYBOOK_BIN cannot be run; null when it can. */
export function ansiblePlaybookProblem(bin: string, pathEnv = process.env.PATH ?? ''): string | null {
  const found = checkExecutable(bin, pathEnv);
  if (found.ok) return null;
  if (found.problem === 'not found') {
    return `${bin} not found${bin.includes('/') ? '' : ' on PATH'}: install ansible-core (apt-get install ansible-core) or set ANSIBLE_PLAYBOOK_BIN`;
  }
  if (found.problem === 'not a file') return `ANSIBLE_PLAYBOOK_BIN ${found.path} is not a file: point it at the ansible-playbook executable`;
  return `ANSIBLE_PLAYBOOK_BIN ${found.path} is not executable: chmod +x it, or point ANSIBLE_PLAYBOOK_BIN at ansible-playbook`;
}

/** Prints one line to stderr and exits: for a missing dependency or a bad setting, never a stack trace. */
export function fail(service: string, line: string): never {
  process.stderr.write(`${service}: ${line}\n`);
  process.exit(1);
}

/** A one-line description of a start-up error (connection refused, catalog invalid, …). */
export function describeStartupError(error: unknown): string {
  const e = error as { code?: string; message?: string; problems?: string[] };
  if (e.code === 'ECONNREFUSED' || e.code === 'ETIMEDOUT' || e.message?.includes('database unavailable')) {
    return `${e.message ?? e.code} — is MariaDB/MySQL running? Start it or set DATABASE_URL`;
  }
  if (e.code === 'EADDRINUSE' || e.code === 'EACCES') {
    return `${e.message ?? e.code} — is Slipway already running? Stop it or set PORT/HOST`;
  }
  return e.message ?? String(error);
}

/** How long start-up gives Redis to answer before it stops (a Redis restarting just then gets a moment). */
const REDIS_STARTUP_WAIT_MS = 3_000;

/**
 * Connects to REDIS_URL and runs PING before anything else starts, so that a Redis that is not there
 * stops start-up with one line (null: it answered). Without this, the queue's connections retry forever
 * and BullMQ prints a stack trace per attempt.
 */
export async function redisProblem(redisUrl: string, waitMs = REDIS_STARTUP_WAIT_MS): Promise<string | null> {
  const options = redisOptions(redisUrl, { name: 'slipway-preflight' });
  const where = `${options.host}:${options.port}`;
  const deadline = Date.now() + waitMs;
  let lastCode: string;
  for (;;) {
    const client = new Redis({
      ...options,
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      connectTimeout: Math.max(500, deadline - Date.now()),
    });
    // The socket's error says why (ECONNREFUSED, …); connect() itself only rejects with "Connection is closed".
    let socketCode: string | null = null;
    client.on('error', (error) => (socketCode ??= redisErrorCode(error)));
    try {
      await client.connect();
      await client.ping();
      return null;
    } catch (error) {
      lastCode = socketCode ?? redisErrorCode(error);
      // Redis answered but refused us (wrong password, …): waiting will not help.
      if (!['ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'connection closed', 'not connected'].includes(lastCode)) {
        const message = (error as Error).message.split('\n')[0];
        return `Redis at ${where} refused the connection (${message}) — check the credentials in REDIS_URL`;
      }
    } finally {
      client.disconnect();
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return `Redis not reachable at ${where} (${lastCode}) — is Redis running? Start it (apt-get install redis-server; redis-server --daemonize yes) or set REDIS_URL`;
}

/**
 * Nest logs an error that stops start-up under the context "ExceptionHandler", stack trace included,
 * before it rethrows it to main(), which prints the one line. This logger drops that copy; everything
 * else goes to `logger` unchanged. (Nest uses that context only while creating and initialising the app.)
 */
export function withoutStartupStackTraces(logger: LoggerService): LoggerService {
  const isStartupError = (rest: unknown[]) => rest[rest.length - 1] === 'ExceptionHandler';
  return {
    log: (message: unknown, ...rest: unknown[]) => logger.log(message, ...rest),
    warn: (message: unknown, ...rest: unknown[]) => logger.warn(message, ...rest),
    debug: (message: unknown, ...rest: unknown[]) => logger.debug?.(message, ...rest),
    verbose: (message: unknown, ...rest: unknown[]) => logger.verbose?.(message, ...rest),
    error: (message: unknown, ...rest: unknown[]) => {
      if (!isStartupError(rest)) logger.error(message, ...rest);
    },
    fatal: (message: unknown, ...rest: unknown[]) => {
      if (!isStartupError(rest)) logger.fatal?.(message, ...rest);
    },
  };
}
