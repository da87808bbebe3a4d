import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, startApi } from '../support/processes.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';

interface BadCase {
  name: string;
  method?: string;
  path?: string;
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  field: string;
  as?: 'viewer';
}

const past = new Date(Date.now() - 3_600_000).toISOString();

/** Issue 5's bad-input list: each answered 4xx with the field named, and nothing written anywhere. */
const CASES: BadCase[] = [
  { name: 'invalid JSON', body: '{"template": ', status: 400, field: 'body' },
  { name: 'template of the wrong type', body: { template: ['hello'] }, status: 400, field: 'template' },
  { name: 'checkMode of the wrong type', body: { template: 'hello', checkMode: 1 }, status: 400, field: 'checkMode' },
  { name: 'tags of the wrong type', body: { template: 'hello', tags: [1, 2] }, status: 400, field: 'tags' },
  { name: 'unknown field', body: { template: 'hello', become: true }, status: 400, field: 'become' },
  { name: 'oversize body', body: { template: 'hello', extraVars: { blob: 'x'.repeat(300 * 1024) } }, status: 413, field: 'body' },
  { name: 'unknown template', body: { template: 'deploy-everything' }, status: 400, field: 'template' },
  { name: 'unknown inventory', body: { template: 'hello', inventory: 'prod' }, status: 400, field: 'inventory' },
  { name: 'runAt in the past', body: { template: 'hello', runAt: past }, status: 400, field: 'runAt' },
  { name: 'runAt unparsable', body: { template: 'hello', runAt: 'next tuesday' }, status: 400, field: 'runAt' },
  { name: 'limit starting with -', body: { template: 'hello', limit: '-i/etc/hosts' }, status: 400, field: 'limit' },
  { name: 'tag starting with -', body: { template: 'hello', tags: ['web', '--extra-vars=x'] }, status: 400, field: 'tags' },
  { name: 'extra vars not an object', body: { template: 'hello', extraVars: 'a=b' }, status: 400, field: 'extraVars' },
  { name: 'extra vars an array', body: { template: 'hello', extraVars: [1] }, status: 400, field: 'extraVars' },
  { name: 'malformed Idempotency-Key', body: { template: 'hello' }, headers: { 'idempotency-key': 'two words' }, status: 400, field: 'Idempotency-Key' },
  { name: 'wrong role (viewer creates)', body: { template: 'hello' }, status: 403, field: 'role', as: 'viewer' },
  { name: 'release that does not exist', method: 'GET', path: '/api/v1/releases/987654', status: 404, field: '987654' },
  { name: 'log of a release that does not exist', method: 'GET', path: '/api/v1/releases/987654/log', status: 404, field: '987654' },
  { name: 'cancel of a release that does not exist', method: 'POST', path: '/api/v1/releases/987654/cancel', status: 404, field: '987654' },
  { name: 're-run of a release that does not exist', method: 'POST', path: '/api/v1/releases/987654/rerun', status: 404, field: '987654' },
  { name: 'release id that is not a number', method: 'GET', path: '/api/v1/releases/one', status: 400, field: 'id' },
  { name: 'page number (removed: keyset pages)', method: 'GET', path: '/api/v1/releases?page=2', status: 400, field: 'page' },
  { name: 'cursor of the wrong type', method: 'GET', path: '/api/v1/releases?before=first', status: 400, field: 'before' },
  { name: 'both cursors', method: 'GET', path: '/api/v1/audit?before=5&after=2', status: 400, field: 'after' },
  { name: 'limit too large', method: 'GET', path: '/api/v1/releases?limit=501', status: 400, field: 'limit' },
  { name: 'unknown audit action filter', method: 'GET', path: '/api/v1/audit?action=release.delete', status: 400, field: 'action' },
  // Issue 21: what changed (hosts, tasks, ansible events).
  { name: 'hosts of a release that does not exist', method: 'GET', path: '/api/v1/releases/987654/hosts', status: 404, field: '987654' },
  { name: 'tasks of a release that does not exist', method: 'GET', path: '/api/v1/releases/987654/tasks', status: 404, field: '987654' },
  { name: 'events of a release that does not exist', method: 'GET', path: '/api/v1/releases/987654/ansible-events', status: 404, field: '987654' },
  { name: 'events: unknown status filter', method: 'GET', path: '/api/v1/releases/1/ansible-events?status=broken', status: 400, field: 'status' },
  { name: 'events: unknown type filter', method: 'GET', path: '/api/v1/releases/1/ansible-events?type=log', status: 400, field: 'type' },
  { name: 'events: both cursors', method: 'GET', path: '/api/v1/releases/1/ansible-events?before=5&after=2', status: 400, field: 'after' },
  { name: 'events: limit too large', method: 'GET', path: '/api/v1/releases/1/ansible-events?limit=501', status: 400, field: 'limit' },
  { name: 'events: host too long', method: 'GET', path: `/api/v1/releases/1/ansible-events?host=${'h'.repeat(300)}`, status: 400, field: 'host' },
  { name: 'event seq that is not a number', method: 'GET', path: '/api/v1/releases/1/ansible-events/1e3', status: 400, field: 'seq' },
  { name: 'event that does not exist', method: 'GET', path: '/api/v1/releases/987654/ansible-events/5', status: 404, field: 'seq' },
  // Issue 20, item 3: each was a 500 (or a release that ansible then refused).
  { name: 'tags: null', body: { template: 'hello', tags: null }, status: 400, field: 'tags' },
  { name: 'skipTags: null', body: { template: 'hello', skipTags: null }, status: 400, field: 'skipTags' },
  { name: 'limit: null', body: { template: 'hello', limit: null }, status: 400, field: 'limit' },
  ...['toString', '__proto__', 'constructor', 'hasOwnProperty'].flatMap((name): BadCase[] => [
    { name: `template named ${name}`, body: { template: name }, status: 400, field: 'template' },
    { name: `inventory named ${name}`, body: { template: 'hello', inventory: name }, status: 400, field: 'inventory' },
  ]),
  { name: 'lone surrogate in a var value', body: { template: 'hello', extraVars: { greeting: 'a\ud800' } }, status: 400, field: 'extraVars.greeting' },
  { name: 'lone surrogate in a tag', body: { template: 'hello', tags: ['a\ud800'] }, status: 400, field: 'tags' },
  { name: 'lone surrogate in limit', body: { template: 'hello', limit: 'a\ud800' }, status: 400, field: 'limit' },
  ...['0x1', '1e3', '1.0', '+1'].flatMap((id): BadCase[] => [
    { name: `release id ${id}`, method: 'GET', path: `/api/v1/releases/${id}`, status: 400, field: 'id' },
    { name: `re-run of release id ${id}`, method: 'POST', path: `/api/v1/releases/${id}/rerun`, body: {}, status: 400, field: 'id' },
    { name: `limit=${id}`, method: 'GET', path: `/api/v1/releases?limit=${encodeURIComponent(id)}`, status: 400, field: 'limit' },
    { name: `before=${id}`, method: 'GET', path: `/api/v1/audit?before=${encodeURIComponent(id)}`, status: 400, field: 'before' },
  ]),
];

describe('bad input writes nothing', () => {
  let env: TestEnv;
  let api: RunningApi;
  let deployer: ApiClient;
  let viewer: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('api-bad');
    api = await startApi(env.env);
    const admin = new ApiClient(api.url, env.bootstrapToken);
    deployer = new ApiClient(api.url, await createToken(admin, 'deployer', 'deployer'));
    viewer = new ApiClient(api.url, await createToken(admin, 'viewer', 'viewer'));
  });

  afterAll(async () => {
    await api?.stop();
    await env?.cleanup();
  });

  async function written(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of ['releases', 'idempotency_keys', 'audit_entries', 'api_tokens']) {
      const [row] = await queryDb<{ n: number }>(env.databaseUrl, `SELECT COUNT(*) AS n FROM ${table}`);
      counts[table] = Number(row?.n);
    }
    const redis = new Redis(env.redisUrl);
    try {
      counts.jobs = (await redis.keys(`${env.queuePrefix}:releases:release-*`)).length;
    } finally {
      redis.disconnect();
    }
    return counts;
  }

  for (const testCase of CASES) {
    it(`${testCase.name} → ${testCase.status} naming ${testCase.field}`, async () => {
      const before = await written();
      const client = testCase.as === 'viewer' ? viewer : deployer;
      const headers = { 'idempotency-key': `bad-${testCase.name.replace(/\W+/g, '-')}`, ...testCase.headers };
      const response = await client.request<{ message: string }>(testCase.method ?? 'POST', testCase.path ?? '/api/v1/releases', testCase.body, headers);
      expect(response.status, response.text).toBe(testCase.status);
      expect(response.body.message).toContain(testCase.field);
      expect(await written()).toEqual(before);
    });
  }
});
