import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processesWithEnv } from '../support/supervisord.js';
import { StartScript } from '../support/start-script.js';
import { type TestEnv, createTestEnv, freePort } from '../support/test-env.js';

/**
 * Issue 20 item 9: what a newcomer sees from `npm start` when Redis, MariaDB or ansible is missing, and
 * the warnings it prints on the way to "ready". The script runs as a newcomer runs it: no LOG_FORMAT,
 * LOG_LEVEL or token chosen, stdout a pipe (as with `npm start | tee`).
 */
describe('npm start for a newcomer', () => {
  let env: TestEnv;
  let nodeOnlyBin: string;
  const scripts: StartScript[] = [];
  const newcomerEnv = (overrides: Record<string, string | undefined>): Record<string, string | undefined> => {
    const { SLIPWAY_BOOTSTRAP_TOKEN: _given, LOG_LEVEL: _level, LOG_FORMAT: _format, ...suiteEnv } = env.env;
    const { LOG_LEVEL: _l, LOG_FORMAT: _f, SLIPWAY_BOOTSTRAP_TOKEN: _t, ...inherited } = process.env;
    return { ...inherited, ...suiteEnv, ...overrides };
  };
  const start = (overrides: Record<string, string | undefined>) => {
    const script = new StartScript(newcomerEnv(overrides));
    scripts.push(script);
    return script;
  };

  beforeAll(async () => {
    env = await createTestEnv('start-newcomer');
    // A PATH with node and nothing else: no ansible-playbook, no ansible-inventory.
    nodeOnlyBin = mkdtempSync(join(tmpdir(), 'slipway-node-only-'));
    symlinkSync(process.execPath, join(nodeOnlyBin, 'node'));
  });

  afterAll(async () => {
    for (const script of scripts) if (script.child.exitCode === null) script.child.kill('SIGKILL');
    for (const p of processesWithEnv('SLIPWAY_QUEUE_PREFIX', env.queuePrefix)) process.kill(p.pid, 'SIGKILL');
    rmSync(nodeOnlyBin, { recursive: true, force: true });
    await env?.cleanup();
  });

  /** Exit 1 soon, one line on stderr naming what is missing and how to get it, no stack, no "stopping" line. */
  async function expectFailsFastWithOneLine(script: StartScript, ...fragments: string[]) {
    // Generous for a loaded machine: loading one bundle and a 3 s wait for Redis, not a 12 s start of both.
    const exit = await Promise.race([script.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    const text = `--- stderr ---\n${script.stderr}\n--- all output ---\n${script.output}`;
    expect(exit, text).toEqual({ code: 1, signal: null });
    const lines = script.stderr.trim().split('\n');
    expect(lines, text).toHaveLength(1);
    expect(lines[0], text).toMatch(/^slipway: /);
    for (const fragment of fragments) expect(lines[0], text).toContain(fragment);
    expect(script.output, text).not.toMatch(/^\s+at /m);
    expect(script.output, text).not.toContain('stopping');
    // Nothing was started, so no token was handed out for a run that never happened.
    expect(script.output, text).not.toContain('admin token for this run');
  }

  it('Redis not answering: one line naming its address and how to start it', async () => {
    const port = await freePort(); // nothing listens there
    const script = start({ REDIS_URL: `redis://127.0.0.1:${port}`, PORT: String(await freePort()) });
    await expectFailsFastWithOneLine(script, 'Redis', `127.0.0.1:${port}`, 'redis-server', 'REDIS_URL');
  });

  it('MariaDB not answering: one line naming its address and how to start it', async () => {
    const port = await freePort();
    const script = start({ DATABASE_URL: `mysql://root@127.0.0.1:${port}/slipway_nowhere`, PORT: String(await freePort()) });
    await expectFailsFastWithOneLine(script, 'MariaDB', `127.0.0.1:${port}`, 'mariadb-server', 'DATABASE_URL');
  });

  it('ansible-playbook not on PATH: one line saying how to install it', async () => {
    const script = start({ PATH: nodeOnlyBin, PORT: String(await freePort()) });
    await expectFailsFastWithOneLine(script, 'ansible-playbook not found', 'apt-get install ansible-core');
  });

  it('start-up warnings read as text, not JSON, on the way to "ready"', async () => {
    // No SLIPWAY_SECRET_KEY: the example catalog's secret vars make the API warn.
    const script = start({ PORT: String(await freePort()), SLIPWAY_SECRET_KEY: undefined });
    await script.ready();
    script.child.kill('SIGTERM');
    await script.exited;
    expect(script.output).toMatch(/^slipway-api: warning: SLIPWAY_SECRET_KEY is not set: /m);
    // No raw pino line anywhere (a `{"level":40,…}` line is what a newcomer saw).
    expect(script.output).not.toMatch(/^\{/m);
  });
});
