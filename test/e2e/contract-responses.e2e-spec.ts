import {
  ansibleEventBody,
  ansibleEventPage,
  auditPage,
  catalogReloadAppliedBody,
  createdTokenBody,
  dnsRecordBody,
  dnsRecordList,
  dnsZoneBody,
  dnsZoneList,
  errorBody,
  liveBody,
  principalBody,
  queueSummaryBody,
  readyBody,
  releaseBody,
  releaseHosts,
  releasePage,
  releaseTasks,
  templateList,
  tokenBody,
  tokenList,
  validationErrorBody,
  workerList,
} from '@slipway/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';

/**
 * Every JSON route group, called with real data (a release that ran on a real worker, a scheduled one,
 * tokens, the audit trail), each answer parsed with its route's contract schema. The schemas are strict
 * objects: a field the API sends that the contract does not declare fails here, as does a wrong type.
 */
describe('every answer matches its contract schema', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let admin: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('contract-answers');
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    admin = new ApiClient(api.url, env.bootstrapToken);
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    await env?.cleanup();
  });

  /** The answer's body, after checking its status; parse() names every path that does not match. */
  async function answer<S extends z.ZodType>(schema: S, method: string, path: string, status: number, body?: unknown): Promise<z.output<S>> {
    const response = await admin.request(method, path, body);
    expect(response.status, `${method} ${path}: ${response.text}`).toBe(status);
    const parsed = schema.safeParse(response.body);
    expect(parsed.error?.issues ?? [], `${method} ${path} does not match its contract`).toEqual([]);
    return parsed.data as z.output<S>;
  }

  it('releases: create, get, list, cancel, rerun (a finished release and a scheduled one)', async () => {
    const ran = await answer(releaseBody, 'POST', '/api/v1/releases', 201, { template: 'hello' });
    const finished = await admin.waitForRelease(ran.id, ['succeeded', 'failed']);
    expect(finished.recap, 'a finished release has its recap, so HostRecap is checked too').not.toBeNull();
    await answer(releaseBody, 'GET', `/api/v1/releases/${ran.id}`, 200);
    const page = await answer(releasePage, 'GET', '/api/v1/releases?limit=1', 200);
    expect(page.more).toBe(false);
    const scheduled = await answer(releaseBody, 'POST', '/api/v1/releases', 201, { template: 'hello', runAt: new Date(Date.now() + 3_600_000).toISOString() });
    await answer(releaseBody, 'POST', `/api/v1/releases/${scheduled.id}/cancel`, 200);
    const rerun = await answer(releaseBody, 'POST', `/api/v1/releases/${ran.id}/rerun`, 201, {});
    expect(rerun.rerunOf).toBe(ran.id);
    await answer(releasePage, 'GET', `/api/v1/releases?before=${rerun.id}&status=succeeded`, 200);
    // What changed (issue 21): hosts, tasks, the events and one whole.
    const hosts = await answer(releaseHosts, 'GET', `/api/v1/releases/${ran.id}/hosts`, 200);
    expect(hosts.hosts.length, 'a host result, so HostSummary is checked too').toBeGreaterThan(0);
    await answer(releaseTasks, 'GET', `/api/v1/releases/${ran.id}/tasks`, 200);
    const events = await answer(ansibleEventPage, 'GET', `/api/v1/releases/${ran.id}/ansible-events?limit=2`, 200);
    await answer(ansibleEventPage, 'GET', `/api/v1/releases/${ran.id}/ansible-events?before=${events.nextBefore}&status=ok`, 200);
    await answer(ansibleEventBody, 'GET', `/api/v1/releases/${ran.id}/ansible-events/${events.items[0].seq}`, 200);
  });

  it('errors: 400 with every bad field, 404, 409', async () => {
    const bad = await answer(validationErrorBody, 'POST', '/api/v1/releases', 400, { template: 'hello', tags: null, become: true });
    expect(bad.errors?.map((e) => e.field)).toEqual(expect.arrayContaining(['tags', 'become']));
    await answer(validationErrorBody, 'GET', '/api/v1/releases?page=2', 400);
    await answer(errorBody, 'GET', '/api/v1/releases/987654', 404);
    const done = await answer(releaseBody, 'POST', '/api/v1/releases', 201, { template: 'hello', runAt: new Date(Date.now() + 3_600_000).toISOString() });
    await answer(releaseBody, 'POST', `/api/v1/releases/${done.id}/cancel`, 200);
    await answer(errorBody, 'POST', `/api/v1/releases/${done.id}/cancel`, 409);
  });

  it('tokens, session, audit', async () => {
    const created = await answer(createdTokenBody, 'POST', '/api/v1/tokens', 201, { name: 'contract-viewer', role: 'viewer' });
    await answer(tokenList, 'GET', '/api/v1/tokens', 200);
    await answer(tokenBody, 'DELETE', `/api/v1/tokens/${created.id}`, 200);
    await answer(principalBody, 'GET', '/api/v1/session', 200);
    const trail = await answer(auditPage, 'GET', '/api/v1/audit?limit=500', 200);
    expect(new Set(trail.items.map((entry) => entry.action))).toEqual(new Set(['release.create', 'release.cancel', 'release.rerun', 'token.create', 'token.revoke']));
  });

  it('templates, catalog reload, workers, queue, health', async () => {
    await answer(templateList, 'GET', '/api/v1/templates', 200);
    await answer(catalogReloadAppliedBody, 'POST', '/api/v1/catalog/reload', 200);
    const workers = await answer(workerList, 'GET', '/api/v1/workers', 200);
    expect(workers.length).toBeGreaterThan(0);
    await answer(queueSummaryBody, 'GET', '/api/v1/queue', 200);
    await answer(liveBody, 'GET', '/health/live', 200);
    await answer(readyBody, 'GET', '/health/ready', 200);
  });

  it('dns: zones and records, created, read, listed, changed and deleted', async () => {
    await answer(dnsZoneBody, 'POST', '/api/v1/dns/zones', 201, { name: 'contract.test', primaryNs: 'ns1.example.net.', hostmaster: 'hostmaster@contract.test' });
    await answer(dnsZoneList, 'GET', '/api/v1/dns/zones', 200);
    const record = await answer(dnsRecordBody, 'POST', '/api/v1/dns/zones/contract.test/records', 201, { name: 'www', type: 'A', value: '192.0.2.1' });
    await answer(dnsRecordBody, 'GET', `/api/v1/dns/zones/contract.test/records/${record.id}`, 200);
    await answer(dnsRecordList, 'GET', '/api/v1/dns/zones/contract.test/records', 200);
    const changed = await admin.request('PUT', `/api/v1/dns/zones/contract.test/records/${record.id}`, { ttl: 600 }, { 'if-match': '"1"' });
    expect(dnsRecordBody.safeParse(changed.body).error?.issues ?? []).toEqual([]);
    const stale = await admin.request('DELETE', `/api/v1/dns/zones/contract.test/records/${record.id}`, undefined, { 'if-match': '"1"' });
    expect(stale.status).toBe(412);
    expect(errorBody.safeParse(stale.body).error?.issues ?? []).toEqual([]);
    await answer(validationErrorBody, 'POST', '/api/v1/dns/zones/contract.test/records', 400, { name: 'www', type: 'A', value: 'x' });
    await answer(dnsZoneBody, 'GET', '/api/v1/dns/zones/contract.test', 200);
    await answer(dnsZoneBody, 'DELETE', '/api/v1/dns/zones/contract.test', 200);
  });
});
