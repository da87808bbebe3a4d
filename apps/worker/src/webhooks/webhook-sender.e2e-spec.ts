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
