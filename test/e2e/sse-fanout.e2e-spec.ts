import { type Socket, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STUB_BIN, writeBenchCatalog } from '../../bench/lib/stack.js';
import { ApiClient } from '../support/api-client.js';
import { PrivateMariaDb } from '../support/private-servers.js';
import { type RunningApi, type ServiceProcess, runNode, startApi, startWorker } from '../support/processes.js';
import { type SseReadResult, logSeqs, readSse } from '../support/sse-client.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { waitFor } from '../support/wait-for.js';

/** Each process connects under its own user name (the private server skips grants), so its statements are counted apart. */
const API_USER = 'slipway_fanout_api';
const SMALL_BUFFER_API_USER = 'slipway_fanout_api_small';
const WORKER_USER = 'slipway_fanout_worker';
const FINAL = ['succeeded', 'failed', 'cancelled', 'interrupted'];

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/**
 * Issue 12, "SSE fan-out": the viewers of one release share one source in the API. Measured on a
 * private mariadbd (with per-user statistics), so that only this suite's API is counted: its reads
 * during a live release with 300 viewers are no more than with 10. A client that stops reading is
 * dropped with a retry hint while the others flow on; a token's streams are capped with a 429.
 */
describe('SSE fan-out (one source per release)', () => {
  let mariadb: PrivateMariaDb;
  let env: TestEnv;
  let api: RunningApi;
  let smallApi: RunningApi;
  let worker: ServiceProcess;
  let client: ApiClient;
  let auth: Record<string, string>;
  const asUser = (user: string) => env.databaseUrl.replace('mysql://root@', `mysql://${user}@`);

  beforeAll(async () => {
    mariadb = await PrivateMariaDb.create(['--userstat=1', '--max-connections=500']);
    env = await createTestEnv('sse-fanout', { mariadbUrl: mariadb.url() });
    const base = { ...env.env, SLIPWAY_CATALOG: writeBenchCatalog(1) };
    const migrated = await runNode('dist/apps/api/main.js', { ...base, DATABASE_URL: asUser(API_USER) }, ['migrate']);
    expect(migrated.code, migrated.output).toBe(0);
    // Settled one by one, so that afterAll stops whatever did start when another one did not.
    const starting = [
      startApi({ ...base, DATABASE_URL: asUser(API_USER), SSE_MAX_STREAMS_PER_TOKEN: '1000' }).then((started) => (api = started)),
      // A small per-client bound, so that a client that stops reading passes it within a short release.
      startApi({ ...base, DATABASE_URL: asUser(SMALL_BUFFER_API_USER), SSE_CLIENT_BUFFER_BYTES: '1048576', SSE_MAX_STREAMS_PER_TOKEN: '3' }).then(
        (started) => (smallApi = started),
      ),
      startWorker({ ...base, DATABASE_URL: asUser(WORKER_USER), ANSIBLE_PLAYBOOK_BIN: STUB_BIN }).then((started) => (worker = started)),
    ];
    const failed = (await Promise.allSettled(starting)).find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    client = new ApiClient(api.url, env.bootstrapToken);
    auth = { authorization: `Bearer ${env.bootstrapToken}` };
  }, 180_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop(), smallApi?.stop()]);
    await env?.cleanup();
    await mariadb?.destroy();
  });

  /** Statements the server has run for `user` since it started (MariaDB's user statistics). */
  async function statements(user: string): Promise<number> {
    const rows = await mariadb.query<{ n: string }>(
      'SELECT SELECT_COMMANDS + UPDATE_COMMANDS + OTHER_COMMANDS AS n FROM information_schema.USER_STATISTICS WHERE USER = ?',
      [user],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** A live release (stub playbook) printing `lines` lines at `rate` lines/s after a pause in which viewers connect. */
  function liveRelease(lines: number, rate: number, { pauseMs = 1_500, lineBytes = 80 } = {}) {
    return client.createRelease({ template: 'stub-0', extraVars: { stub_lines: lines, stub_rate: rate, stub_line_bytes: lineBytes, stub_sleep_ms: pauseMs } });
  }

  /** `viewers` SSE clients on one live release: what each got, and the API's statements during the run. */
  async function watch(viewers: number, lines: number, rate: number): Promise<{ streams: SseReadResult[]; statements: number; logLines: number }> {
    const before = await statements(API_USER);
    const created = await liveRelease(lines, rate);
    const url = `${api.url}/api/v1/releases/${created.id}/events`;
    const streams = await Promise.all(Array.from({ length: viewers }, () => readSse(url, { headers: auth, timeoutMs: 120_000 })));
    const statementsDuringRun = (await statements(API_USER)) - before;
    const done = await client.waitForRelease(created.id, FINAL);
    expect(done.status).toBe('succeeded');
    return { streams, statements: statementsDuringRun, logLines: done.logLines };
  }

  it('300 clients of one live release each get every line in order, and the API reads the DB no more than for 10', { timeout: 300_000 }, async () => {
    const few = await watch(10, 4_000, 1_000);
    const many = await watch(300, 4_000, 1_000);
    for (const run of [few, many]) {
      expect(run.logLines).toBe(4_000);
      for (const stream of run.streams) {
        expect(stream.status).toBe(200);
        expect(stream.endedByServer).toBe(true);
        expect(logSeqs(stream.events)).toEqual(range(1, 4_000));
        expect(stream.events.at(-1)?.event).toBe('end');
      }
    }
    // Before the fan-out each viewer polled the row every second: ~30× the statements for 30× the viewers.
    expect(many.statements, `10 viewers: ${few.statements} statements, 300 viewers: ${many.statements}`).toBeLessThanOrEqual(few.statements * 1.5 + 10);
  });

  /**
   * Follows a stream the way the CLI and EventSource do: a stream the server ends before `end` (a drop
   * under load) is resumed with Last-Event-ID. Returns every line's number and how often it resumed.
   */
  async function follow(url: string): Promise<{ seqs: number[]; resumed: number; lastEvent: string | undefined }> {
    const seqs: number[] = [];
    for (let resumed = 0; ; resumed++) {
      const headers: Record<string, string> = { ...auth, ...(seqs.length > 0 ? { 'last-event-id': String(seqs.at(-1)) } : {}) };
      const stream = await readSse(url, { headers, timeoutMs: 150_000 });
      seqs.push(...logSeqs(stream.events));
      const lastEvent = stream.events.at(-1)?.event;
      if (lastEvent === 'end' || resumed >= 20) return { seqs, resumed, lastEvent };
    }
  }

  /** A client that sends the request and then reads only when told (a raw socket: fetch would keep reading). */
  function rawStream(path: string): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
    const url = new URL(smallApi.url);
    return new Promise((resolve, reject) => {
      let text = '';
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(`GET ${path} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${env.bootstrapToken}\r\n\r\n`);
      });
      const closed = new Promise<void>((done) => socket.once('close', () => done()));
      socket.on('data', (chunk: Buffer) => {
        const first = text === '';
        text += chunk.toString('latin1');
        if (first) resolve({ socket, received: () => text, closed });
      });
      socket.once('error', reject);
    });
  }

  it('a client that stops reading is dropped with a retry hint once it is too far behind; the others get every line', { timeout: 180_000 }, async () => {
    // ~9 MB of frames: more than the paused socket's kernel buffers (a few MB on loopback) plus the bound.
    const created = await liveRelease(20_000, 2_500, { pauseMs: 1_000, lineBytes: 400 });
    const path = `/api/v1/releases/${created.id}/events`;
    const slow = await rawStream(path);
    slow.socket.pause(); // reads nothing more: its kernel buffers fill, then the API's bound is passed
    // Clients that keep reading get every line (on a loaded machine one may fall behind too: it resumes).
    const fast = await Promise.all([1, 2].map(() => follow(`${smallApi.url}${path}`)));
    const done = await client.waitForRelease(created.id, FINAL);
    for (const stream of fast) {
      expect(stream.seqs).toEqual(range(1, done.logLines));
      expect(stream.lastEvent).toBe('end');
    }
    slow.socket.resume();
    await slow.closed; // the API ended it: it never got to the end event
    const text = slow.received();
    expect(text).toMatch(/retry: \d+\n: too slow/);
    expect(text).not.toContain('event: end');
    const seqs = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(seqs.length).toBeLessThan(done.logLines);
    expect(seqs).toEqual(range(1, seqs.length));
    // It resumes where it was dropped, as EventSource and the CLI do, and gets the rest.
    const resumed = await readSse(`${smallApi.url}${path}`, { headers: { ...auth, 'last-event-id': String(seqs.at(-1) ?? 0) } });
    expect([...seqs, ...logSeqs(resumed.events)]).toEqual(range(1, done.logLines));
  });

  it('a token holds at most SSE_MAX_STREAMS_PER_TOKEN streams: the next one is refused with 429 until one closes', { timeout: 120_000 }, async () => {
    const viewerToken = await createToken(client, 'fanout-viewer', 'viewer');
    const viewer = { authorization: `Bearer ${viewerToken}` };
    const queued = await client.createRelease({ template: 'stub-0', runAt: new Date(Date.now() + 3_600_000).toISOString() });
    const url = `${smallApi.url}/api/v1/releases/${queued.id}/events`;
    const open = [1, 2, 3].map(() => {
      const controller = new AbortController();
      const opened = fetch(url, { headers: { ...viewer, accept: 'text/event-stream' }, signal: controller.signal });
      return { controller, opened };
    });
    for (const stream of open) expect((await stream.opened).status).toBe(200);

    const refused = await fetch(url, { headers: viewer });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = (await refused.json()) as { message: string };
    expect(body.message).toContain('SSE_MAX_STREAMS_PER_TOKEN');
    expect(body.message).toContain('3');
    expect(body.message).toContain('fanout-viewer');

    // Another token is not affected by this one's streams.
    const other = await readSse(url, { headers: auth, stopWhen: (event) => event.event === 'status' });
    expect(other.status).toBe(200);

    // Closing a stream frees its slot.
    open[0].controller.abort();
    const reopened = await waitFor('a slot to be free again', async () => {
      const response = await fetch(url, { headers: { ...viewer, accept: 'text/event-stream' } });
      if (response.status === 429) {
        await response.text();
        return undefined;
      }
      return response;
    }, { timeoutMs: 10_000, intervalMs: 100 });
    expect(reopened.status).toBe(200);
    await reopened.body?.cancel();
    for (const stream of open.slice(1)) stream.controller.abort();
    await client.request('POST', `/api/v1/releases/${queued.id}/cancel`);
  });
});
