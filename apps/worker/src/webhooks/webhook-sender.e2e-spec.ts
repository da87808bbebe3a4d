import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddressGuard } from './address-guard.js';
import { RESPONSE_HEAD_BYTES, WebhookSender } from './webhook-sender.js';

/**
 * The sender against real sockets on 127.0.0.1: what a hostile or broken receiver can do to a worker.
 * Each path answers in its own way; `hits` counts what arrived per path.
 */
describe('WebhookSender against a real receiver', () => {
  let server: Server;
  let port = 0;
  const hits = new Map<string, number>();

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = request.url ?? '/';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      request.resume();
      if (path === '/ok') return void response.writeHead(204).end();
      if (path === '/redirect') return void response.writeHead(302, { location: `http://127.0.0.1:${port}/ok` }).end();
      if (path === '/slow') return; // never answers
      if (path === '/huge') {
        // Answers without end: a sender that read it all would never finish.
        response.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = () => {
          while (response.write(chunk));
        };
        response.on('drain', pump);
        pump();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const allowed = () => new WebhookSender(new AddressGuard(['127.0.0.1']), 1_000);

  it('refuses localhost (it resolves to 127.0.0.1) without the allow-list, and never connects', async () => {
    const sender = new WebhookSender(new AddressGuard([]), 1_000);
    const result = await sender.send(`http://localhost:${port}/refused`, {}, '{}');
    expect(result.statusCode).toBeNull();
    expect(result.error).toMatch(/^refused: localhost: 127\.0\.0\.1 is a loopback/);
    const literal = await sender.send(`http://127.0.0.1:${port}/refused`, {}, '{}');
    expect(literal.error).toMatch(/^refused: 127\.0\.0\.1 is a loopback/);
    expect(hits.get('/refused')).toBeUndefined();
    sender.close();
  });

  it('connects to localhost once 127.0.0.1 is on the allow-list', async () => {
    const sender = allowed();
    expect((await sender.send(`http://localhost:${port}/ok`, {}, '{}')).statusCode).toBe(204);
    sender.close();
  });

  it('does not follow a redirect: a 3xx is the answer', async () => {
    const sender = allowed();
    const before = hits.get('/ok') ?? 0;
    const result = await sender.send(`http://127.0.0.1:${port}/redirect`, {}, '{}');
    expect(result.statusCode).toBe(302);
    expect(hits.get('/ok') ?? 0).toBe(before);
    sender.close();
  });

  it('gives up on a receiver that never answers at the timeout', async () => {
    const sender = allowed();
    const result = await sender.send(`http://127.0.0.1:${port}/slow`, {}, '{}');
    expect(result.statusCode).toBeNull();
    expect(result.error).toBe('timed out after 1000 ms');
    sender.close();
  });

  it('reads only the first bytes of an endless answer', async () => {
    const sender = allowed();
    const result = await sender.send(`http://127.0.0.1:${port}/huge`, {}, '{}');
    expect(result.statusCode).toBe(200);
    expect(result.error).toBeNull();
    expect(result.responseHead).toBe('x'.repeat(RESPONSE_HEAD_BYTES));
    sender.close();
  });
});

/**
 * Keep-alive (issue 23, throughput) must not weaken the connect-time check: a pooled socket stays on the
 * address the guard vetted when it was opened, and every new socket goes through the guard's lookup again.
 */
describe('WebhookSender keep-alive', () => {
  let server: Server;
  let port = 0;
  let connections = 0;
  let lookups = 0;
  /** What the fake DNS answers for hook.test now (a rebinding attacker flips it). */
  let answer = '127.0.0.1';
  const resolve = ((hostname: string, _options: unknown, callback: (e: Error | null, a: { address: string; family: number }[]) => void) => {
    lookups++;
    if (hostname !== 'hook.test') return callback(Object.assign(new Error(`${hostname}: not found`), { code: 'ENOTFOUND' }), []);
    callback(null, [{ address: answer, family: 4 }]);
  }) as unknown as ConstructorParameters<typeof AddressGuard>[1];

  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(204).end());
    });
    server.on('connection', () => connections++);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  });

  it('sends one delivery after the other over one socket, looked up and checked once', async () => {
    connections = 0;
    lookups = 0;
    answer = '127.0.0.1';
    const sender = new WebhookSender(new AddressGuard(['127.0.0.1'], resolve), 1_000);
    for (let i = 0; i < 10; i++) expect((await sender.send(`http://hook.test:${port}/ok`, {}, '{}')).statusCode).toBe(204);
    expect(connections).toBe(1);
    expect(lookups).toBe(1);
    sender.close();
  });

  it('checks every new socket: after the name rebinds to a private address only the vetted pooled socket is used, a new one is refused', async () => {
    connections = 0;
    lookups = 0;
    answer = '127.0.0.1';
    const sender = new WebhookSender(new AddressGuard(['127.0.0.1'], resolve), 1_000);
    expect((await sender.send(`http://hook.test:${port}/ok`, {}, '{}')).statusCode).toBe(204);
    answer = '10.0.0.7';
    // Two at once: one rides the pooled socket (bound to 127.0.0.1, vetted), the other needs a new socket.
    const results = await Promise.all([sender.send(`http://hook.test:${port}/ok`, {}, '{}'), sender.send(`http://hook.test:${port}/ok`, {}, '{}')]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([204, null]);
    expect(results.find((r) => r.statusCode === null)?.error).toMatch(/^refused: hook\.test: 10\.0\.0\.7 is a loopback, private/);
    expect(lookups).toBe(2);
    expect(connections).toBe(1);
    sender.close();
  });
});
