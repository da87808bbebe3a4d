import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripAnsi } from '@slipway/ansible';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv, freePort } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';
import { startCli } from '../support/cli-runner.js';


function cli(args: string[], env: Record<string, string>) {
  return startCli(args, env).done;
}

function releaseIdFrom(stderr: string): number | undefined {
  const match = /release (\d+) created/.exec(stderr);
  return match ? Number(match[1]) : undefined;
}

describe('slipway CLI against the real API', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let admin: ApiClient;
  let ciEnv: Record<string, string>;
  let tmp: string;

  beforeAll(async () => {
    env = await createTestEnv('cli');
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    admin = new ApiClient(api.url, env.bootstrapToken);
    tmp = await mkdtemp(join(tmpdir(), 'slipway-cli-'));
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('token create prints the token once; list and revoke work', async () => {
    const adminEnv = { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: env.bootstrapToken };
    const created = await cli(['token', 'create', '--name', 'ci', '--role', 'deployer'], adminEnv);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^slw_[A-Za-z0-9_-]{40,}$/);
    ciEnv = { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: token };

    const doomed = await cli(['--json', 'token', 'create', '--name', 'doomed', '--role', 'viewer'], adminEnv);
    const doomedToken = JSON.parse(doomed.stdout) as { id: number; token: string };
    const listed = await cli(['token', 'list'], adminEnv);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/ci\s+deployer\s+active/);
    expect(listed.stdout).not.toContain(token);
    const revoked = await cli(['token', 'revoke', String(doomedToken.id)], adminEnv);
    expect(revoked.code, revoked.stderr).toBe(0);
    const refused = await cli(['release', 'list'], { SLIPWAY_URL: api.url, SLIPWAY_TOKEN: doomedToken.token });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('401');
  });

  it('--wait exits 0 for a succeeded release and streams its log as plain text', async () => {
    const varsFile = join(tmp, 'vars.yml');
    await writeFile(varsFile, 'greeting: from the file\nunused: 1\n');
    const run = await cli(['release', 'create', 'hello', '--inventory', 'local', '--extra-vars-file', varsFile, '-e', 'greeting=from the cli', '--wait'], ciEnv);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('greeting=from the cli');
    expect(run.stdout).toContain('PLAY RECAP');
    expect(run.stdout).not.toContain('\u001b['); // no colour codes without a TTY
    expect(run.stderr).toMatch(/release \d+ succeeded/);
    const id = releaseIdFrom(run.stderr)!;
    const release = await admin.getRelease(id);
    expect(release).toMatchObject({ status: 'succeeded', requestedBy: 'ci', extraVars: { greeting: 'from the cli', unused: 1 } });
    // Every line exactly once, in order: the same text the log endpoint returns.
    expect(stripAnsi(run.stdout)).toBe(stripAnsi(await admin.log(id)));
  });

  it('--wait exits 1 for a failed release', async () => {
    const run = await cli(['release', 'create', 'fail', '--wait'], ciEnv);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain('this release fails on purpose');
    expect(run.stderr).toMatch(/release \d+ failed \(ansible exit code 2\)/);
  });

  it('--wait exits 2 for a release cancelled while it runs', async () => {
    const run = startCli(['release', 'create', 'deploy-sim', '-e', 'seconds=60', '--wait'], ciEnv);
    await waitFor('the CLI to stream progress', () => run.stdout.includes('progress 1/60'), { timeoutMs: 60_000 });
    const id = releaseIdFrom(run.stderr)!;
    const cancelled = await cli(['release', 'cancel', String(id)], ciEnv);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain('is being stopped');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`release ${id} cancelled`));
  });

  it('an idempotency key makes a retried create return the first release', async () => {
    const args = ['--json', 'release', 'create', 'hello', '--run-at', new Date(Date.now() + 3_600_000).toISOString(), '--idempotency-key', 'build-42'];
    const first = await cli(args, ciEnv);
    const second = await cli(args, ciEnv);
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    const a = JSON.parse(first.stdout) as { id: number };
    const b = JSON.parse(second.stdout) as { id: number };
    expect(b.id).toBe(a.id);
    const shown = await cli(['release', 'show', String(a.id)], ciEnv);
    expect(shown.stdout).toMatch(/status\s+queued/);
    const cancel = await cli(['release', 'cancel', String(a.id)], ciEnv);
    expect(cancel.stdout).toContain(`release ${a.id} cancelled`);
  });

  it('exits 3 for usage, bad input, auth and connection errors', async () => {
    const usage = await cli(['release', 'create'], ciEnv);
    expect(usage.code).toBe(3);
    expect(usage.stderr).toContain("missing required argument 'template'");
    const badVar = await cli(['release', 'create', 'hello', '-e', 'novalue'], ciEnv);
    expect(badVar.code).toBe(3);
    const unknown = await cli(['release', 'create', 'no-such-template', '--wait'], ciEnv);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('template');
    const badToken = await cli(['release', 'create', 'hello', '--wait'], { ...ciEnv, SLIPWAY_TOKEN: 'slw_wrong' });
    expect(badToken.code).toBe(3);
    expect(badToken.stderr).toContain('401');
    const noToken = await cli(['release', 'list'], { SLIPWAY_URL: api.url });
    expect(noToken.code).toBe(3);
    expect(noToken.stderr).toContain('SLIPWAY_TOKEN');
    const nowhere = await cli(['release', 'list'], { ...ciEnv, SLIPWAY_URL: `http://127.0.0.1:${await freePort()}` });
    expect(nowhere.code).toBe(3);
    expect(nowhere.stderr).toContain('cannot reach');
    const missing = await cli(['release', 'logs', '999999', '--follow'], ciEnv);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('404');
  });

  it('--wait reconnects and resumes when the API restarts mid-release, printing every line once', async () => {
    const port = await freePort();
    let restartable = await startApi({ ...env.env, PORT: String(port) });
    try {
      const run = startCli(['release', 'create', 'deploy-sim', '-e', 'seconds=8', '--wait'], { ...ciEnv, SLIPWAY_URL: restartable.url });
      await waitFor('progress before the restart', () => run.stdout.includes('progress 2/8'), { timeoutMs: 60_000 });
      await restartable.stop();
      restartable = await startApi({ ...env.env, PORT: String(port) });
      const result = await run.done;
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain('reconnecting');
      for (let i = 1; i <= 8; i++) expect(result.stdout.split(`progress ${i}/8`).length - 1, `progress ${i}/8`).toBe(1);
      const id = releaseIdFrom(result.stderr)!;
      expect(stripAnsi(result.stdout)).toBe(stripAnsi(await admin.log(id)));
    } finally {
      await restartable.stop();
    }
  });
});
