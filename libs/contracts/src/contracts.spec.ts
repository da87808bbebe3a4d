import { describe, expect, it } from 'vitest';
import { createReleaseRequest, openApiComponents, releaseBody, releasePage } from './index.js';

describe('contracts', () => {
  it('generates OpenAPI components for every registered schema, requests as input', () => {
    const components = openApiComponents();
    expect(Object.keys(components)).toEqual(expect.arrayContaining(['ReleaseBody', 'ReleasePage', 'HostRecap', 'CreateReleaseRequest']));
    for (const schema of Object.values(components)) expect(schema).not.toHaveProperty('$schema');
  });

  it.each([
    ['tags', { template: 'deploy-web', inventory: 'staging', tags: null }],
    ['skipTags', { template: 'deploy-web', inventory: 'staging', skipTags: null }],
    ['limit', { template: 'deploy-web', inventory: 'staging', limit: null }],
    ['template', { template: 'a\ud800', inventory: 'staging' }],
  ])('refuses a create request with a bad %s, naming the field', (field, body) => {
    const result = createReleaseRequest.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path[0])).toContain(field);
  });

  it('accepts a minimal create request', () => {
    expect(createReleaseRequest.safeParse({ template: 'deploy-web', inventory: 'staging' }).success).toBe(true);
  });

  // test/e2e/contract-responses.e2e-spec.ts parses real answers with these schemas: this shows that a
  // drifting answer (a field the contract does not declare, or a wrong type) is what makes it fail.
  const RELEASE = {
    id: 12, template: 'hello', inventory: 'local', extraVars: { greeting: 'hi' }, secretVars: [], limit: null, tags: null, skipTags: null,
    checkMode: false, lockKey: 'hello:local', status: 'succeeded', exitCode: 0, reason: null, waitingReason: null, workerId: 'host:1',
    requestedBy: 'bootstrap', rerunOf: null, cancelRequestedBy: null, logLines: 3, events: { state: 'complete', stored: 12, nextSeq: 13, notKept: 0 },
    recap: { localhost: { ok: 1, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 } },
    createdAt: '2026-12-07T08:00:00.000Z', runAt: null, startedAt: '2026-12-07T08:00:01.000Z', finishedAt: '2026-12-07T08:00:02.000Z', durationMs: 1000,
    argv: ['ansible-playbook'], ansibleVersion: '2.14.18', catalogDigest: 'sha256:00', commitSha: null, ref: null, commitUrl: null, freezeOverride: null, approval: null, previewOf: null,
  };

  it('accepts a release answer as the API sends it', () => {
    expect(releaseBody.safeParse(RELEASE).error?.issues ?? []).toEqual([]);
    expect(releasePage.safeParse({ items: [RELEASE], more: false, nextBefore: null, prevAfter: null }).success).toBe(true);
  });

  it.each([
    ['an undeclared field', { ...RELEASE, secretValues: { token: 'x' } }, []],
    ['an undeclared field in a nested recap', { ...RELEASE, recap: { localhost: { ...RELEASE.recap.localhost, skippedHosts: 0 } } }, ['recap', 'localhost']],
    ['a wrong type', { ...RELEASE, exitCode: '0' }, ['exitCode']],
    ['a status outside the list', { ...RELEASE, status: 'done' }, ['status']],
    ['a time that is not ISO', { ...RELEASE, createdAt: 'Mon Dec 07 2026' }, ['createdAt']],
    ['a missing field', Object.fromEntries(Object.entries(RELEASE).filter(([key]) => key !== 'durationMs')), ['durationMs']],
  ])('refuses a release answer with %s', (_case, body, path) => {
    const result = releaseBody.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path)).toContainEqual(path);
  });
});
