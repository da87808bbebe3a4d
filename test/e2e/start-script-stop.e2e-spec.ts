import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../support/cli-runner.js';
import { processesWithEnv } from '../support/supervisord.js';
import { StartScript } from '../support/start-script.js';
import { type TestEnv, createTestEnv, freePort, queryDb } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

/** Issue 20 item 7: how `npm start` stops on Ctrl-C while a release is watched. */
describe('npm start (scripts/start.mjs) stopping', () => {
  let env: TestEnv;
  const ours = () => processesWithEnv('SLIPWAY_QUEUE_PREFIX', env.queuePrefix);
  const scripts: StartScript[] = [];
  const startScript = (extra: Record<string, string>) => {
    const script = new StartScript({ ...process.env, ...env.env, LOG_FORMAT: 'json', ...extra });
    scripts.push(script);
    return script;
  };

  beforeAll(async () => {
    env = await createTestEnv('start-stop');
  });
  afterAll(async () => {
    for (const p of ours()) process.kill(p.pid, 'SIGKILL');
    for (const script of scripts) if (script.child.exitCode === null) script.child.kill('SIGKILL');
    await env?.cleanup();
  });

  it('Ctrl-C while a CLI --wait watches a release: the API outlives the drain, the CLI exits 0 with the success', async () => {
    const port = await freePort();
    const script = startScript({ PORT: String(port) });
    await script.ready();
    const url = `http://127.0.0.1:${port}`;
    const wait = startCli(['release', 'create', 'deploy-sim', '-e', 'seconds=6', '--wait'], { SLIPWAY_URL: url, SLIPWAY_TOKEN: env.bootstrapToken });
    await waitFor('the release to be running', () => wait.stdout.includes('progress 1/6'), { timeoutMs: 60_000 });

    script.child.kill('SIGINT');
    const result = await Promise.race([wait.done, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 90_000))]);
    expect(result, wait.stderr).not.toBe('hung');
    if (result === 'hung') return;
    expect(result.code, result.stderr).toBe(0);
    const id = Number(/release (\d+) created/.exec(result.stderr)?.[1]);
    expect(result.stderr).toContain(`release ${id} succeeded`);
    expect(result.stdout).toContain('progress 6/6');
    // At most a couple of lines about the connection, never one per retry.
    const connectionLines = result.stderr.split('\n').filter((line) => /reconnect|cannot reach|stream/i.test(line));
    expect(connectionLines.length, result.stderr).toBeLessThanOrEqual(2);

    const exit = await Promise.race([script.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    expect(exit, script.output).not.toBe('hung');
    await waitFor('every child to be gone', () => ours().length === 0, { timeoutMs: 5_000 }).catch(() => undefined);
    expect(ours().map((p) => `${p.pid} ${p.command}`)).toEqual([]);
    const [row] = await queryDb<{ status: string }>(env.databaseUrl, 'SELECT status FROM releases WHERE id = ?', [id]);
    expect(row?.status).toBe('succeeded');
  });
});
