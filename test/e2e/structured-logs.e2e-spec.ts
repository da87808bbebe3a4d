import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

type LogLine = Record<string, unknown>;

/** Every line a process printed, each parsed as JSON (throws naming the first line that is not). */
function parseAll(service: ServiceProcess): LogLine[] {
  return service.output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`${service.name} printed a line that is not JSON: ${line}`);
      }
    });
}

/** Issue 7: JSON logs (LOG_FORMAT=json, or stdout not a terminal), release lines carry releaseId, no secrets. */
describe('structured logs', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let client: ApiClient;
  const secretGreeting = 'greeting-that-must-not-be-logged-7f3a';

  beforeAll(async () => {
    env = await createTestEnv('logs');
    // No LOG_FORMAT: the processes' stdout is a pipe, so JSON is the default.
    const { LOG_FORMAT: _format, ...withoutFormat } = env.env;
    api = await startApi(withoutFormat);
    worker = await startWorker(withoutFormat);
    client = new ApiClient(api.url, env.bootstrapToken);
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
  });

  it('every line is JSON; lines about the release carry its id; no token or extra var is printed', async () => {
    const created = await client.createRelease({ template: 'hello', extraVars: { greeting: secretGreeting } });
    await client.waitForRelease(created.id, ['succeeded', 'failed']);
    await client.request('GET', `/api/v1/templates?token=query-secret-1234`);
    await waitFor('the worker to log the final status', () =>
      parseAll(worker).some((l) => l.releaseId === created.id && String(l.msg).includes('succeeded')),
    );
    await waitFor('the API to log the templates request', () =>
      parseAll(api).some((l) => String((l.req as LogLine | undefined)?.url).startsWith('/api/v1/templates')),
    );

    const workerLines = parseAll(worker);
    const apiLines = parseAll(api);
    for (const line of [...workerLines, ...apiLines]) {
      expect(typeof line.level, JSON.stringify(line)).toBe('number');
      expect(typeof line.time, JSON.stringify(line)).toBe('string');
      expect(['slipway-api', 'slipway-worker']).toContain(line.service);
      // The invariant: a line that names a release carries its id as a field.
      const named = /\brelease (\d+)\b/.exec((typeof line.msg === 'string' ? line.msg : ''));
      if (named) expect(line.releaseId, JSON.stringify(line)).toBe(Number(named[1]));
    }

    const aboutRelease = workerLines.filter((l) => l.releaseId === created.id).map((l) => String(l.msg));
    expect(aboutRelease.some((m) => m.includes(`release ${created.id} started`))).toBe(true);
    expect(aboutRelease.some((m) => m.includes(`release ${created.id} succeeded`))).toBe(true);

    const post = apiLines.find((l) => (l.req as LogLine | undefined)?.method === 'POST');
    expect(post?.context).toBe('Http');
    expect((post?.res as LogLine | undefined)?.statusCode).toBe(201);
    expect(typeof post?.responseTime).toBe('number');
    const get = apiLines.find((l) => (l.req as LogLine | undefined)?.url === `/api/v1/releases/${created.id}`);
    expect(get?.releaseId).toBe(created.id);

    const everything = `${api.output}\n${worker.output}`;
    expect(everything).not.toContain(env.bootstrapToken);
    expect(everything).not.toContain('query-secret-1234');
    expect(everything).toContain('token=[redacted]');
    expect(everything).not.toContain(secretGreeting);
  });
});
