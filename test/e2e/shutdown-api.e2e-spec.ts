import { randomBytes } from 'node:crypto';
import { request as httpRequest, Agent } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { type RunningApi, startApi } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';
import { waitFor } from '../support/wait-for.js';

/** True once nothing accepts a TCP connection on the port any more. */
function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

/** Issue 3, item 6: the API on SIGTERM. */
describe('API graceful shutdown', () => {
  let env: TestEnv;
  let api: RunningApi;
  let client: ApiClient;
  const token = randomBytes(24).toString('hex');

  beforeAll(async () => {
    env = await createTestEnv('api-stop');
    env.env.SLIPWAY_BOOTSTRAP_TOKEN = token;
    api = await startApi(env.env);
    client = new ApiClient(api.url, token);
  });

  afterAll(async () => {
    await api?.stop();
    await env?.cleanup();
  });

  it('stops accepting connections, finishes the request in flight, ends SSE with a retry hint, exits within 10 s', async () => {
    const port = Number(new URL(api.url).port);
    // No worker: the release stays queued, so its event stream stays open until the API ends it.
    const queued = await client.createRelease({ template: 'hello' });

    const sse = await fetch(`${api.url}/api/v1/releases/${queued.id}/events`, { headers: { authorization: `Bearer ${token}` } });
    expect(sse.status).toBe(200);
    const sseText = sse.text().catch((error: Error) => `stream broken: ${error.message}`); // ends with the API

    // An idle keep-alive connection: it must not hold the server open.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const idleClosed = new Promise<void>((resolve) => {
      httpRequest(`${api.url}/health/live`, { agent }, (response) => {
        response.resume();
        response.socket.once('close', () => resolve());
      }).end();
    });

    // A request in flight: headers accepted (100 Continue proves it), body not sent yet.
    const body = JSON.stringify({ template: 'hello', extraVars: { greeting: 'sent during shutdown' } });
    const inFlight = httpRequest(`${api.url}/api/v1/releases`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        expect: '100-continue',
      },
    });
    const answer = new Promise<{ status: number; json: ReleaseJson; connection: string | undefined }>((resolve, reject) => {
      inFlight.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, json: JSON.parse(text) as ReleaseJson, connection: response.headers.connection }),
        );
      });
      inFlight.on('error', reject);
    });
    await new Promise<void>((resolve) => inFlight.once('continue', () => resolve()));
    inFlight.flushHeaders();

    const signalledAt = Date.now();
    api.signal('SIGTERM');
    await waitFor('the API to stop accepting connections', () => refusesConnections(port), { timeoutMs: 10_000, intervalMs: 50 });

    inFlight.end(body);
    const created = await answer;
    expect(created.status).toBe(201);
    expect(created.json.status).toBe('queued');
    expect(created.connection).toBe('close');

    const events = await sseText;
    expect(events).toMatch(/^retry: \d+$/m);
    await idleClosed;

    const exit = await api.exited;
    const exitMs = Date.now() - signalledAt;
    expect(exit.code === 0 || exit.signal === 'SIGTERM', JSON.stringify(exit)).toBe(true);
    expect(exitMs).toBeLessThan(10_000);
    agent.destroy();
  });
});
