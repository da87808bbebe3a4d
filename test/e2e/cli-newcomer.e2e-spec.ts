import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { startCli } from '../support/cli-runner.js';
import { type RunningApi, startApi } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv, releaseIds } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';

const cli = (args: string[], env: Record<string, string>) => startCli(args, env).done;

/** The frictions a newcomer meets in the first ten minutes with the CLI (issue 20 item 9). */
describe('slipway CLI: what a newcomer meets first', () => {
  let env: TestEnv;
  let api: RunningApi;
  let admin: Record<string, string>;

  beforeAll(async () => {
    env = await createTestEnv('cli-newcomer');
    api = await startApi(env.env);
    admin = { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: env.bootstrapToken };
  });
  afterAll(async () => {
    await api?.stop();
    await env?.cleanup();
  });

  it('--version prints the version of the checkout', async () => {
    const { version } = JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const run = await cli([flag], {});
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe(`${version}\n`);
    }
  });

  it('an empty --idempotency-key is one line naming the option, not the whole usage text', async () => {
    const before = await releaseIds(env.databaseUrl);
    for (const args of [['--idempotency-key', ''], ['-k', ' ', '--wait']]) {
      const run = await cli(['release', 'create', 'hello', ...args], admin);
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr.trimEnd().split('\n'), run.stderr).toEqual([expect.stringMatching(/--idempotency-key must not be empty/)]);
      expect(run.stdout).toBe('');
    }
    expect(await releaseIds(env.databaseUrl)).toEqual(before);
  });

  it('token list is a table with a header', async () => {
    await createToken(new ApiClient(api.url, env.bootstrapToken), 'ci-bot', 'deployer');
    const run = await cli(['token', 'list'], admin);
    expect(run.code, run.stderr).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+ROLE\s+STATUS\s+CREATED BY\s+CREATED$/);
    const ciRow = rows.find((row) => /\sci-bot\s/.test(row));
    expect(ciRow, run.stdout).toBeDefined();
    expect(ciRow!.indexOf('deployer')).toBe(header.indexOf('ROLE'));
  });

  it('template show gives a pattern as the catalog wrote it', async () => {
    const run = await cli(['template', 'show', 'deploy-web'], admin);
    expect(run.code, run.stderr).toBe(0);
    const version = run.stdout.split('\n').find((line) => line.startsWith('version'));
    expect(version).toMatch(/, pattern \^\[0-9\]\+\\\.\[0-9\]\+\\\.\[0-9\]\+\$ /);
    expect(run.stdout).not.toContain('(?:');
  });

  it('a SLIPWAY_URL ending in /api/v1 (copied from the API docs) works', async () => {
    for (const url of [`${api.url}/api/v1`, `${api.url}/api/v1/`]) {
      const run = await cli(['template', 'list'], { ...admin, SLIPWAY_URL: url });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^hello\s/m);
    }
  });
});
