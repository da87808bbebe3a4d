import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stripAnsi } from '@slipway/ansible';
import { slipwayKeys } from '@slipway/queue';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, startApi } from '../support/processes.js';
import { readSse } from '../support/sse-client.js';
import { REPO_ROOT, type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

const CLI = resolve(REPO_ROOT, 'bin/slipway.mjs');
const run = promisify(execFile);

/**
 * Issue 11 ("long logs are cut"): a 600-line log stored in 561 chunks came back as 429 lines from GET /log,
 * and SSE on the finished release sent 105 log events then `end`. The log is arranged in the database
 * directly, as a worker stores it (chunk sizes 1..2), on a release that no worker runs; everything a
 * user reads it through is then checked for every line: GET /log (whole, ?after=, download, plain), SSE
 * replay, and the CLI with and without --follow. Also: SSE clients that leave at any moment leave no
 * Redis subscription behind.
 */
describe('whole logs through every reader', () => {
  let env: TestEnv;
  let api: RunningApi;
  let admin: ApiClient;
  let finishedId: number;
  const lines = Array.from({ length: 600 }, (_, i) => (i % 10 === 0 ? `\x1b[0;32mok: [host-${i + 1}]\x1b[0m line ${i + 1}` : `line ${i + 1}`));

  beforeAll(async () => {
    env = await createTestEnv('whole_logs');
    api = await startApi(env.env);
    admin = new ApiClient(api.url, env.bootstrapToken);
    finishedId = (await admin.createRelease({ template: 'hello' })).id;
    const rows: unknown[][] = [];
    for (let seq = 1, i = 0; seq <= lines.length; i++) {
      const size = Math.min(i % 15 === 14 ? 2 : 1, lines.length - seq + 1);
      rows.push([finishedId, seq, seq + size - 1, lines.slice(seq - 1, seq - 1 + size).join('\n')]);
      seq += size;
    }
    expect(rows.length).toBeGreaterThan(550); // as in the report: 600 lines in 561 chunks
    await queryDb(env.databaseUrl, 'INSERT INTO release_log_chunks (release_id, first_seq, last_seq, content) VALUES ?', [rows]);
    await queryDb(
      env.databaseUrl,
      `UPDATE releases SET status = 'succeeded', worker_id = 'w-test', started_at = ?, finished_at = ?, exit_code = 0, log_lines = ? WHERE id = ?`,
      [new Date(Date.now() - 10_000), new Date(), lines.length, finishedId],
    );
  });

  afterAll(async () => {
    await api?.stop();
    await env?.cleanup();
  });

  it('GET /log returns every line, with and without ?after=, and as a download', async () => {
    expect(await admin.log(finishedId)).toBe(lines.map((l) => `${l}\n`).join(''));
    expect(await admin.log(finishedId, 417)).toBe(lines.slice(417).map((l) => `${l}\n`).join(''));
    const download = await admin.request('GET', `/api/v1/releases/${finishedId}/log?download=1`);
    expect(download.headers.get('content-disposition')).toContain(`release-${finishedId}.log`);
    expect(download.text.split('\n')).toHaveLength(601);
  });

  it('?format=plain strips ANSI escapes, also in the download; a bad format is a 400 naming the field', async () => {
    const plain = await admin.request('GET', `/api/v1/releases/${finishedId}/log?format=plain&download=1`);
    expect(plain.status).toBe(200);
    expect(plain.text).not.toContain('\x1b');
    expect(plain.text).toBe(lines.map((l) => `${stripAnsi(l)}\n`).join(''));
    expect((await admin.log(finishedId)).includes('\x1b[0;32m')).toBe(true); // raw by default
    const bad = await admin.request<{ message: unknown }>('GET', `/api/v1/releases/${finishedId}/log?format=html`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.message)).toContain('format');
  });

  it('SSE on the finished release replays every line, then end', async () => {
    const sse = await readSse(`${api.url}/api/v1/releases/${finishedId}/events`, { headers: { authorization: `Bearer ${env.bootstrapToken}` } });
    const logEvents = sse.events.filter((e) => e.event === 'log');
    expect(logEvents.map((e) => Number(e.id))).toEqual(lines.map((_, i) => i + 1));
    expect(sse.events.at(-1)?.event).toBe('end');
    const resumed = await readSse(`${api.url}/api/v1/releases/${finishedId}/events?after=550`, {
      headers: { authorization: `Bearer ${env.bootstrapToken}` },
    });
    expect(resumed.events.filter((e) => e.event === 'log').map((e) => Number(e.id))).toEqual(lines.slice(550).map((_, i) => i + 551));
  });

  it('slipway release logs, with and without --follow, prints every line', async () => {
    const cliEnv = { PATH: process.env.PATH ?? '', SLIPWAY_URL: api.url, SLIPWAY_TOKEN: env.bootstrapToken };
    const expected = lines.map((l) => `${stripAnsi(l)}\n`).join('');
    const plain = await run(process.execPath, [CLI, 'release', 'logs', String(finishedId)], { env: cliEnv, maxBuffer: 16 << 20 });
    expect(plain.stdout).toBe(expected);
    const followed = await run(process.execPath, [CLI, 'release', 'logs', '--follow', String(finishedId)], { env: cliEnv, maxBuffer: 16 << 20 });
    expect(followed.stdout).toBe(expected);
  });

  it('SSE clients that leave at any moment, even before their subscription is complete, leave no subscription behind', async () => {
    const queued = await admin.createRelease({ template: 'hello' }); // no worker: it stays queued, its stream stays open
    const channel = slipwayKeys(env.queuePrefix).releaseChannel(queued.id);
    const redis = new Redis(env.redisUrl);
    try {
      const subscribers = async () => Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]);
      const clients = Array.from({ length: 40 }, async (_, i) => {
        const controller = new AbortController();
        const request = fetch(`${api.url}/api/v1/releases/${queued.id}/events`, {
          headers: { accept: 'text/event-stream', authorization: `Bearer ${env.bootstrapToken}` },
          signal: controller.signal,
        }).catch(() => undefined);
        // From "at once" to "after the stream is open": some leave during auth, some during subscribe.
        await new Promise((resolveDelay) => setTimeout(resolveDelay, i % 20));
        controller.abort();
        await request;
      });
      const stayer = readSse(`${api.url}/api/v1/releases/${queued.id}/events`, {
        headers: { authorization: `Bearer ${env.bootstrapToken}` },
        stopWhen: (event) => event.event === 'status',
      });
      await Promise.all([...clients, stayer]);
      await waitFor('every SSE subscription of the release to be gone', async () => (await subscribers()) === 0, { timeoutMs: 10_000 });
      // The API still serves streams for it afterwards.
      const again = await readSse(`${api.url}/api/v1/releases/${queued.id}/events`, {
        headers: { authorization: `Bearer ${env.bootstrapToken}` },
        stopWhen: (event) => event.event === 'status',
      });
      expect(again.status).toBe(200);
      await waitFor('the last subscription to be gone', async () => (await subscribers()) === 0, { timeoutMs: 10_000 });
    } finally {
      redis.disconnect();
    }
  });
});
