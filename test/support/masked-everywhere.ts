import { expect } from 'vitest';
import type { ApiClient } from './api-client.js';
import type { SseReadResult } from './sse-client.js';
import { storedChunksSql } from './stored-log.js';
import { type TestEnv, queryDb } from './test-env.js';

/**
 * Every place a release's log can be read besides GET /log (which the caller checks with its own
 * expectations): the download, the live stream (raw and as text) and the chunks stored in the database.
 * Each must show the mask and hold no secret; `expectNoSecret` throws naming the place and the form found.
 */
export async function expectLogMaskedEverywhere(options: {
  client: ApiClient;
  env: TestEnv;
  releaseId: number;
  stream: SseReadResult;
  expectNoSecret: (text: string, where: string) => void;
}): Promise<void> {
  const { client, env, releaseId, stream, expectNoSecret } = options;
  const download = await client.request('GET', `/api/v1/releases/${releaseId}/log?download=1`);
  expect(download.headers.get('content-disposition')).toContain('attachment');
  expect(download.text).toContain('********');
  expectNoSecret(download.text, 'the download');

  const sseText = stream.events.filter((e) => e.event === 'log').map((e) => (JSON.parse(e.data) as { text: string }).text).join('\n');
  expect(sseText).toContain('********');
  expectNoSecret(stream.events.map((e) => e.data).join('\n'), 'SSE (raw)');
  expectNoSecret(sseText, 'SSE');

  const chunks = await queryDb<{ content: string }>(env.databaseUrl, storedChunksSql(env.database), [releaseId]);
  expect(chunks.length).toBeGreaterThan(0);
  expectNoSecret(chunks.map((c) => c.content).join('\n'), 'stored chunks');
}
