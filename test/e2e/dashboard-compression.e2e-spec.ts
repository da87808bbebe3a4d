import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as it came over the wire (still gzipped if it was). */
  body: Buffer;
}

/** A GET with node:http, which (unlike fetch) neither asks for nor undoes compression by itself. */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

/**
 * Issue 20, item 8: the dashboard's bundles go out gzipped to a client that accepts it, its source maps are
 * not served, and the live log stream (SSE) is neither compressed nor held back by the compression.
 */
describe('dashboard files: gzip, no source maps, SSE unbuffered', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let client: ApiClient;
  let assets: string[];

  beforeAll(async () => {
    env = await createTestEnv('dash-gzip');
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    client = new ApiClient(api.url, env.bootstrapToken);
    const index = (await rawGet(`${api.url}/`)).body.toString('utf8');
    assets = [...index.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  });

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
  });

  it('serves the JS and CSS bundles gzipped when the client accepts gzip, and plain when it does not', async () => {
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const plain = await rawGet(`${api.url}${asset}`);
      expect(plain.status, asset).toBe(200);
      expect(plain.headers['content-encoding'], asset).toBeUndefined();
      const gzipped = await rawGet(`${api.url}${asset}`, { 'accept-encoding': 'gzip, deflate' });
      expect(gzipped.status, asset).toBe(200);
      expect(gzipped.headers['content-encoding'], asset).toBe('gzip');
      expect(gzipped.headers.vary, asset).toMatch(/accept-encoding/i);
      expect(gzipped.headers['cache-control'], asset).toBe('public, max-age=31536000, immutable');
      expect(gzipped.body.length, asset).toBeLessThan(plain.body.length / 2);
    }
    // A client that also takes brotli gets brotli, the smaller of the two.
    const [js] = assets.filter((a) => a.endsWith('.js'));
    expect((await rawGet(`${api.url}${js}`, { 'accept-encoding': 'gzip, deflate, br' })).headers['content-encoding']).toBe('br');
  });

  it('answers 404 for source maps, whatever their spelling, and the bundles do not point at one', async () => {
    for (const asset of assets) {
      for (const path of [`${asset}.map`, `${asset}.MAP`, `${asset}%2Emap`]) {
        const answer = await rawGet(`${api.url}${path}`);
        expect(answer.status, path).toBe(404);
        expect(answer.body.toString('utf8'), path).not.toContain('"mappings"');
      }
      expect((await rawGet(`${api.url}${asset}`)).body.toString('utf8'), asset).not.toContain('sourceMappingURL');
    }
  });

  it('streams the live log line by line, uncompressed, to a client that accepts gzip', async () => {
    const created = await client.createRelease({ template: 'deploy-sim', extraVars: { seconds: 6 } });
    const arrivals: { at: number; progress: string }[] = [];
    const contentEncoding = await new Promise<string | undefined>((resolve, reject) => {
      const request = httpRequest(
        `${api.url}/api/v1/releases/${created.id}/events`,
        { headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip', authorization: `Bearer ${env.bootstrapToken}` } },
        (response) => {
          const encoding = response.headers['content-encoding'];
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            for (const match of chunk.matchAll(/progress (\d+)\/6/g)) arrivals.push({ at: Date.now(), progress: match[1] });
          });
          response.on('end', () => resolve(encoding));
          response.on('error', reject);
        },
      );
      request.setTimeout(120_000, () => request.destroy(new Error('the event stream did not end in 120 s')));
      request.on('error', reject).end();
    });
    expect(contentEncoding).toBeUndefined();
    // Six progress lines a second apart: each arrives when printed, so they are spread over seconds, not
    // delivered together when the stream ends (what a buffering compressor would do).
    expect(arrivals.map((a) => a.progress)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(arrivals.at(-1)!.at - arrivals[0].at).toBeGreaterThan(2_000);
    expect(new Set(arrivals.map((a) => a.at)).size).toBeGreaterThan(3);
  });
});
