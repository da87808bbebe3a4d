import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type ReleaseJson } from '../support/api-client.js';
import { type RunningApi, startApi } from '../support/processes.js';
import { type TestEnv, createTestEnv, queryDb, releaseIds } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';

/** No worker: releases stay queued, which is all these tests look at. runAt far ahead keeps them so. */
const LATER = new Date(Date.now() + 6 * 3_600_000).toISOString();

describe('idempotent launch (Idempotency-Key)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let ci: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('api-idem');
    api = await startApi(env.env);
    const admin = new ApiClient(api.url, env.bootstrapToken);
    ci = new ApiClient(api.url, await createToken(admin, 'ci', 'deployer'));
  });

  afterAll(async () => {
    await api?.stop();
    await env?.cleanup();
  });

  it('the same key and body returns the first release (200) instead of creating another', async () => {
    const body = { template: 'hello', extraVars: { a: 1, b: 'two' }, runAt: LATER };
    const first = await ci.request<ReleaseJson>('POST', '/api/v1/releases', body, { 'idempotency-key': 'pipeline-1' });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    // Same body with its keys in another order is the same request.
    const again = await ci.request<ReleaseJson>('POST', '/api/v1/releases', { runAt: LATER, extraVars: { b: 'two', a: 1 }, template: 'hello' }, { 'idempotency-key': 'pipeline-1' });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(await releaseIds(env.databaseUrl)).toEqual([first.body.id]);
    const audit = await queryDb(env.databaseUrl, "SELECT * FROM audit_entries WHERE action = 'release.create'");
    expect(audit).toHaveLength(1);
  });

  it('the same request with its defaults spelled out is the same request, not a 409 (issue 14)', async () => {
    const first = await ci.request<ReleaseJson>('POST', '/api/v1/releases', { template: 'hello', runAt: LATER }, { 'idempotency-key': 'defaults' });
    expect(first.status).toBe(201);
    const spelledOut = { template: 'hello', inventory: 'local', extraVars: { greeting: 'hi' }, checkMode: false, runAt: LATER };
    const again = await ci.request<ReleaseJson>('POST', '/api/v1/releases', spelledOut, { 'idempotency-key': 'defaults' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it('the same key with a different body → 409 naming the header, nothing written', async () => {
    const before = await releaseIds(env.databaseUrl);
    const response = await ci.request<{ message: string }>('POST', '/api/v1/releases', { template: 'hello', extraVars: { a: 2 }, runAt: LATER }, { 'idempotency-key': 'pipeline-1' });
    expect(response.status).toBe(409);
    expect(response.body.message).toContain('Idempotency-Key');
    expect(await releaseIds(env.databaseUrl)).toEqual(before);
  });

  it('20 concurrent requests with one key create exactly one release, and all of them get it', async () => {
    const before = await releaseIds(env.databaseUrl);
    const body = { template: 'hello', runAt: LATER, extraVars: { concurrent: true } };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => ci.request<ReleaseJson>('POST', '/api/v1/releases', body, { 'idempotency-key': 'burst-20' })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201), JSON.stringify(responses.map((r) => r.text))).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(19);
    const ids = new Set(responses.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    const after = await releaseIds(env.databaseUrl);
    expect(after.length - before.length).toBe(1);
    const keys = await queryDb<{ release_id: number }>(env.databaseUrl, "SELECT release_id FROM idempotency_keys WHERE idem_key = 'burst-20'");
    expect(keys.map((k) => Number(k.release_id))).toEqual([...ids]);
  });

  it('a key is scoped to its caller: another token with the same key gets its own release', async () => {
    const admin = new ApiClient(api.url, env.bootstrapToken);
    const other = new ApiClient(api.url, await createToken(admin, 'other-pipeline', 'deployer'));
    const body = { template: 'hello', runAt: LATER };
    const mine = await ci.request<ReleaseJson>('POST', '/api/v1/releases', body, { 'idempotency-key': 'shared-name' });
    const theirs = await other.request<ReleaseJson>('POST', '/api/v1/releases', body, { 'idempotency-key': 'shared-name' });
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body.requestedBy).toBe('other-pipeline');
  });

  it('after 24 h the key starts over', async () => {
    const body = { template: 'hello', runAt: LATER };
    const first = await ci.request<ReleaseJson>('POST', '/api/v1/releases', body, { 'idempotency-key': 'old-key' });
    expect(first.status).toBe(201);
    await queryDb(env.databaseUrl, "UPDATE idempotency_keys SET created_at = NOW(3) - INTERVAL 25 HOUR WHERE idem_key = 'old-key'");
    const second = await ci.request<ReleaseJson>('POST', '/api/v1/releases', body, { 'idempotency-key': 'old-key' });
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
  });

  it('a request refused for bad input does not use up its key', async () => {
    const bad = await ci.request<{ message: string }>('POST', '/api/v1/releases', { template: 'nope' }, { 'idempotency-key': 'fix-and-retry' });
    expect(bad.status).toBe(400);
    expect(await queryDb(env.databaseUrl, "SELECT * FROM idempotency_keys WHERE idem_key = 'fix-and-retry'")).toHaveLength(0);
    const good = await ci.request('POST', '/api/v1/releases', { template: 'hello', runAt: LATER }, { 'idempotency-key': 'fix-and-retry' });
    expect(good.status).toBe(201);
  });

  it('a malformed key → 400 naming the header', async () => {
    const before = await releaseIds(env.databaseUrl);
    for (const key of ['has space', 'x'.repeat(256)]) {
      const response = await ci.request<{ message: string }>('POST', '/api/v1/releases', { template: 'hello', runAt: LATER }, { 'idempotency-key': key });
      expect(response.status, response.text).toBe(400);
      expect(response.body.message).toContain('Idempotency-Key');
    }
    expect(await releaseIds(env.databaseUrl)).toEqual(before);
  });
});
