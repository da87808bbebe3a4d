import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type SseEvent, logSeqs, readSse } from '../support/sse-client.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

function statuses(events: SseEvent[]): string[] {
  return events.filter((e) => e.event === 'status').map((e) => (JSON.parse(e.data) as { status: string }).status);
}

/** GET /releases/:id/events: live log and status over Server-Sent Events, resumable by sequence number. */
describe('release events (SSE)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let client: ApiClient;
  let auth: Record<string, string>;

  beforeAll(async () => {
    env = await createTestEnv('api-events');
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    client = new ApiClient(api.url, env.bootstrapToken);
    auth = { authorization: `Bearer ${env.bootstrapToken}` };
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
  });

  const eventsUrl = (id: number, query = '') => `${api.url}/api/v1/releases/${id}/events${query}`;

  it('streams every log line once, in order, with status changes, then `end` and close', async () => {
    const created = await client.createRelease({ template: 'log-flood', extraVars: { lines: 3000 } });
    const stream = await readSse(eventsUrl(created.id), { headers: auth, timeoutMs: 120_000 });
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');
    expect(stream.retries[0]).toBeGreaterThan(0);
    expect(stream.endedByServer).toBe(true);
    const done = await client.getRelease(created.id);
    expect(done.status).toBe('succeeded');
    expect(logSeqs(stream.events)).toEqual(range(1, done.logLines));
    const texts = stream.events.filter((e) => e.event === 'log').map((e) => (JSON.parse(e.data) as { text: string }).text);
    expect(texts.join('\n')).toContain('line 3000');
    expect(statuses(stream.events).at(-1)).toBe('succeeded');
    const last = stream.events.at(-1)!;
    expect(last.event).toBe('end');
    expect(JSON.parse(last.data)).toMatchObject({ id: created.id, status: 'succeeded', exitCode: 0 });
    // Log lines all come before the final status.
    const finalStatusIndex = stream.events.findIndex((e) => e.event === 'status' && e.data.includes('"succeeded"'));
    expect(stream.events.slice(finalStatusIndex).some((e) => e.event === 'log')).toBe(false);
  });

  it('resumes from the middle with Last-Event-ID: no gap, no duplicate', async () => {
    const created = await client.createRelease({ template: 'deploy-sim', extraVars: { seconds: 5 } });
    const first = await readSse(eventsUrl(created.id), {
      headers: auth,
      timeoutMs: 90_000,
      stopWhen: (event) => event.event === 'log' && event.data.includes('progress 2/5'),
    });
    expect(first.endedByServer).toBe(false);
    const firstSeqs = logSeqs(first.events);
    const lastId = firstSeqs.at(-1)!;
    expect(firstSeqs).toEqual(range(1, lastId));

    const second = await readSse(eventsUrl(created.id), { headers: { ...auth, 'last-event-id': String(lastId) }, timeoutMs: 90_000 });
    expect(second.endedByServer).toBe(true);
    const done = await client.getRelease(created.id);
    expect(done.status).toBe('succeeded');
    const secondSeqs = logSeqs(second.events);
    expect(secondSeqs[0]).toBe(lastId + 1);
    expect([...firstSeqs, ...secondSeqs]).toEqual(range(1, done.logLines));
    expect(second.events.at(-1)?.event).toBe('end');
  });

  it('resumes with ?after= across a release that finished meanwhile', async () => {
    const created = await client.createRelease({ template: 'deploy-sim', extraVars: { seconds: 3 } });
    const first = await readSse(eventsUrl(created.id), {
      headers: auth,
      timeoutMs: 90_000,
      stopWhen: (event) => event.event === 'log' && event.data.includes('progress 1/3'),
    });
    const firstSeqs = logSeqs(first.events);
    const done = await client.waitForRelease(created.id, ['succeeded', 'failed']);
    const second = await readSse(eventsUrl(created.id, `?after=${firstSeqs.at(-1)}`), { headers: auth });
    const secondSeqs = logSeqs(second.events);
    expect([...firstSeqs, ...secondSeqs]).toEqual(range(1, done.logLines));
    expect(statuses(second.events)).toEqual(['succeeded']);
    expect(second.events.at(-1)?.event).toBe('end');

    // Last-Event-ID (what EventSource sends on reconnect) wins over the ?after= of the original URL.
    const third = await readSse(eventsUrl(created.id, '?after=1'), { headers: { ...auth, 'last-event-id': String(done.logLines - 2) } });
    expect(logSeqs(third.events)).toEqual([done.logLines - 1, done.logLines]);
    // Past the end: nothing but the final status.
    const fourth = await readSse(eventsUrl(created.id, `?after=${done.logLines}`), { headers: auth });
    expect(logSeqs(fourth.events)).toEqual([]);
    expect(fourth.events.map((e) => e.event)).toEqual(['status', 'end']);
  });

  it('refuses a bad resume point and unknown releases', async () => {
    const bad = await client.request<{ message: string }>('GET', '/api/v1/releases/1/events', undefined, { 'last-event-id': 'abc' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('Last-Event-ID');
    const badAfter = await client.request<{ message: string }>('GET', '/api/v1/releases/1/events?after=-3');
    expect(badAfter.status).toBe(400);
    expect(badAfter.body.message).toContain('after');
    const missing = await client.request<{ message: string }>('GET', '/api/v1/releases/999999/events');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain('999999');
  });

  it('an API shutdown ends open streams with a reconnect hint instead of hanging', async () => {
    const second = await startApi(env.env);
    try {
      const queued = await client.createRelease({ template: 'hello', runAt: new Date(Date.now() + 3_600_000).toISOString() });
      let opened!: () => void;
      const isOpen = new Promise<void>((resolve) => (opened = resolve));
      const reading = readSse(`${second.url}/api/v1/releases/${queued.id}/events`, {
        headers: auth,
        timeoutMs: 60_000,
        onEvent: (event) => event.event === 'status' && opened(),
      });
      await isOpen;
      second.signal('SIGTERM');
      const stream = await reading;
      expect(stream.endedByServer).toBe(true);
      expect(stream.retries).toContain(1000);
      expect(statuses(stream.events)).toEqual(['queued']);
      // It exits (Nest re-raises the signal after its shutdown hooks, so either form is a clean exit).
      const exit = await second.exited;
      expect(exit.code === 0 || exit.signal === 'SIGTERM', JSON.stringify(exit)).toBe(true);
      await client.request('POST', `/api/v1/releases/${queued.id}/cancel`);
    } finally {
      second.signal('SIGKILL');
    }
  });
});
