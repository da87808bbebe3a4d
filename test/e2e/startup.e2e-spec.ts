import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKER_NODE_FLAGS } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv, freePort } from '../support/test-env.js';

const API = 'dist/apps/api/main.js';
const WORKER = 'dist/apps/worker/main.js';
/** A process that has not given up by then is hanging (the bug this file guards against), not slow. */
const GIVE_UP_MS = 45_000;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an entry point to its end the way a terminal would see it (stdout and stderr apart), killed after GIVE_UP_MS. */
function run(entry: string, env: Record<string, string>): Promise<Outcome> {
  const child = spawn(process.execPath, [...(entry === WORKER ? WORKER_NODE_FLAGS : []), resolve(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), GIVE_UP_MS);
  return new Promise((done) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    }),
  );
}

/** No stack trace anywhere: neither a printed one ("    at …") nor one inside a JSON log line. */
function expectNoStackTrace({ stdout, stderr }: Outcome) {
  for (const output of [stdout, stderr]) {
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toContain('"stack"');
  }
}

/** The failure is one line on stderr that says what and how to fix it; exit 1. */
function expectOneLine(outcome: Outcome, ...fragments: string[]) {
  const text = `exit ${outcome.code}\n--- stderr ---\n${outcome.stderr}\n--- stdout ---\n${outcome.stdout}`;
  expect(outcome.code, text).toBe(1);
  const lines = outcome.stderr.trim().split('\n');
  expect(lines, text).toHaveLength(1);
  for (const fragment of fragments) expect(lines[0], text).toContain(fragment);
  expectNoStackTrace(outcome);
}

/** A bad setting or a missing dependency stops a process with one line saying what and how to fix it. */
describe('start-up problems get one clear line, not a stack trace', () => {
  let env: TestEnv;
  let tmp: string;
  beforeAll(async () => {
    env = await createTestEnv('startup');
    tmp = mkdtempSync(join(tmpdir(), 'slipway-startup-'));
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('a bad variable is named', async () => {
    for (const entry of [API, WORKER]) {
      expectOneLine(await run(entry, { ...env.env, WORKER_CONCURRENCY: 'lots' }), 'WORKER_CONCURRENCY must be a whole number');
    }
  });

  it('an invalid catalog reports every problem at once, under one line naming the file', async () => {
    const file = join(tmp, 'catalog.yml');
    writeFileSync(file, 'project: ./missing\ninventories: {}\ntemplates:\n  x: { playbook: nope.yml, inventories: [ghost] }\n');
    for (const entry of [API, WORKER]) {
      const outcome = await run(entry, { ...env.env, SLIPWAY_CATALOG: file });
      expect(outcome.code, outcome.stderr).toBe(1);
      const [first, ...problems] = outcome.stderr.trim().split('\n');
      expect(first).toMatch(new RegExp(`^slipway-(api|worker): catalog ${file} is invalid:$`));
      expect(problems.join('\n')).toContain('project');
      expect(problems.join('\n')).toContain('ghost');
      // Every further line is one of the listed problems.
      for (const problem of problems) expect(problem).toMatch(/^ - /);
      expectNoStackTrace(outcome);
    }
  });

  it('a missing catalog file is one line', async () => {
    for (const entry of [API, WORKER]) {
      const outcome = await run(entry, { ...env.env, SLIPWAY_CATALOG: join(tmp, 'no-such-catalog.yml') });
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain('file not found');
      expectNoStackTrace(outcome);
    }
  });

  it('a missing ansible-playbook says how to get it', async () => {
    expectOneLine(await run(WORKER, { ...env.env, ANSIBLE_PLAYBOOK_BIN: 'no-such-ansible-playbook' }), 'no-such-ansible-playbook not found', 'apt-get install ansible-core');
  });

  it('an ANSIBLE_PLAYBOOK_BIN that is not executable, or a directory, is refused', async () => {
    const notExecutable = join(tmp, 'ansible-playbook');
    writeFileSync(notExecutable, '#!/bin/sh\nexit 0\n');
    chmodSync(notExecutable, 0o644);
    expectOneLine(await run(WORKER, { ...env.env, ANSIBLE_PLAYBOOK_BIN: notExecutable }), 'ANSIBLE_PLAYBOOK_BIN', notExecutable, 'not executable');
    expectOneLine(await run(WORKER, { ...env.env, ANSIBLE_PLAYBOOK_BIN: tmp }), 'ANSIBLE_PLAYBOOK_BIN', tmp, 'not a file');
  });

  it('an unreachable database says what is missing (API at once; the worker after its start-up wait)', async () => {
    const port = await freePort(); // nothing listens there
    const databaseUrl = `mysql://root@127.0.0.1:${port}/slipway_nowhere`;
    expectOneLine(await run(API, { ...env.env, DATABASE_URL: databaseUrl }), 'ECONNREFUSED', 'MariaDB', 'DATABASE_URL');
    expectOneLine(await run(WORKER, { ...env.env, DATABASE_URL: databaseUrl, DB_RETRY_BUDGET_MS: '1500' }), 'ECONNREFUSED', 'MariaDB', 'DATABASE_URL');
  });

  it('an unreachable Redis is one line naming REDIS_URL, like the database', async () => {
    const port = await freePort(); // nothing listens there
    const redisUrl = `redis://127.0.0.1:${port}`;
    for (const entry of [API, WORKER]) {
      expectOneLine(await run(entry, { ...env.env, REDIS_URL: redisUrl }), 'Redis', `127.0.0.1:${port}`, 'ECONNREFUSED', 'REDIS_URL');
    }
  });

  it('a port already in use is one line naming PORT', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as AddressInfo).port;
    try {
      expectOneLine(await run(API, { ...env.env, PORT: String(port) }), 'EADDRINUSE', 'PORT');
    } finally {
      blocker.close();
    }
  });

  it('a Redis URL with a password never shows the password', async () => {
    const port = await freePort();
    const outcome = await run(WORKER, { ...env.env, REDIS_URL: `redis://:hunter2-secret@127.0.0.1:${port}` });
    expect(outcome.code).toBe(1);
    expect(outcome.stderr + outcome.stdout).not.toContain('hunter2-secret');
  });
});
