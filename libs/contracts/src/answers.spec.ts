import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  auditEntryBody,
  auditPage,
  auditQuery,
  catalogReloadAppliedBody,
  catalogReloadRefusedBody,
  createTokenRequest,
  createdTokenBody,
  liveBody,
  lockWaitBody,
  openApiComponents,
  principalBody,
  queueSummaryBody,
  readyBody,
  signInRequest,
  templateBody,
  tokenBody,
  workerBody,
} from './index.js';

// Answers as the API sends them today (JSON, so times are strings), one per route group.
const token = { id: 3, name: 'ci', role: 'deployer', createdAt: '2026-12-01T10:00:00.000Z', createdBy: 'bootstrap', revokedAt: null, revokedBy: null };
const auditEntry = { id: 41, at: '2026-12-01T10:00:00.123Z', actor: 'ci', action: 'release.create', targetType: 'release', targetId: 12, details: { template: 'hello' } };
const worker = {
  id: 'w1:4242',
  host: 'w1',
  pid: 4242,
  version: '1.4.0',
  concurrency: 2,
  state: 'active',
  releases: [12],
  kinds: { releases: { inFlight: 1, state: 'active' }, 'pending-outcomes': { inFlight: 0, state: 'stopped' } },
  startedAt: '2026-12-01T09:00:00.000Z',
  heartbeatAt: '2026-12-01T10:00:00.000Z',
};
const lockWait = { id: 13, template: 'hello', inventory: 'local', lockKey: 'hello:local', waitingReason: 'waiting for lock hello:local (release 12)', createdAt: '2026-12-01T10:00:00.000Z' };
const template = {
  name: 'deploy-web',
  description: null,
  playbook: 'deploy-web.yml',
  inventories: ['staging', 'prod'],
  defaultInventory: 'staging',
  timeoutSeconds: 120,
  extraVars: { version: '1.0.0', db_password: '********' },
  secretVars: ['db_password'],
  lock: '{template}:{inventory}',
  vars: {
    type: 'object',
    properties: {
      version: { type: 'string', default: '1.0.0', pattern: '^(?:[0-9]+\\.[0-9]+\\.[0-9]+)$' },
      db_password: { type: 'string', writeOnly: true, 'x-secret': true },
      hosts: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 5 },
      legacy: { default: 3 },
    },
    required: ['db_password'],
    additionalProperties: false,
  },
  openVars: false,
  limit: ['web*'],
  refOverride: true,
  checkMode: false,
};
const applied = {
  result: 'applied',
  file: '/etc/slipway/catalog.yml',
  loadedAt: '2026-12-01T10:00:00.000Z',
  templates: ['hello', 'deploy-web'],
  added: ['deploy-web'],
  removed: [],
  changed: [],
  workersNotified: 2,
};
const refused = {
  statusCode: 422,
  error: 'Unprocessable Entity',
  message: 'catalog not reloaded: 1 problem',
  result: 'refused',
  file: '/etc/slipway/catalog.yml',
  loadedAt: '2026-12-01T10:00:00.000Z',
  problems: ['templates.deploy-web.playbook: file not found: deploy.yml'],
  errors: [{ field: 'templates.deploy-web.playbook', message: 'file not found: deploy.yml' }],
};

/** Each answer schema, a real-looking answer, and a field whose value is given the wrong type. */
const answers: [string, z.ZodType, Record<string, unknown>, string][] = [
  ['TokenBody', tokenBody, token, 'role'],
  ['CreatedTokenBody', createdTokenBody, { ...token, token: 'slw_abc' }, 'token'],
  ['AuditEntryBody', auditEntryBody, auditEntry, 'targetId'],
  ['AuditPage', auditPage, { items: [auditEntry], more: true, nextBefore: 41, prevAfter: null }, 'nextBefore'],
  ['WorkerBody', workerBody, worker, 'kinds'],
  ['LockWaitBody', lockWaitBody, lockWait, 'createdAt'],
  ['QueueSummaryBody', queueSummaryBody, { waiting: 1, running: 1, scheduled: 0, lockWaits: [lockWait] }, 'lockWaits'],
  ['TemplateBody', templateBody, template, 'limit'],
  ['CatalogReloadAppliedBody', catalogReloadAppliedBody, applied, 'workersNotified'],
  ['CatalogReloadRefusedBody', catalogReloadRefusedBody, refused, 'errors'],
  ['LiveBody', liveBody, { status: 'ok' }, 'status'],
  ['ReadyBody', readyBody, { status: 'unavailable', database: 'up', redis: 'down: connect ECONNREFUSED 127.0.0.1:6379' }, 'redis'],
  ['PrincipalBody', principalBody, { name: 'ci', role: 'admin' }, 'role'],
];

describe('answer contracts', () => {
  it.each(answers)('%s accepts a real answer', (_name, schema, answer) => {
    expect(schema.safeParse(answer).error?.issues).toBeUndefined();
  });

  it.each(answers)('%s refuses a field the API does not send', (_name, schema, answer) => {
    const result = schema.safeParse({ ...answer, secret: 'x' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.code).toBe('unrecognized_keys');
  });

  it.each(answers)('%s refuses a wrong type, naming the field', (_name, schema, answer, field) => {
    const result = schema.safeParse({ ...answer, [field]: { wrong: true } });
    expect(result.error?.issues.map((issue) => issue.path[0])).toContain(field);
  });

  it('refuses a worker answer with an unknown job kind state or a time that is not ISO', () => {
    expect(workerBody.safeParse({ ...worker, kinds: { releases: { inFlight: 0, state: 'paused' } } }).success).toBe(false);
    expect(workerBody.safeParse({ ...worker, heartbeatAt: 'yesterday' }).success).toBe(false);
  });

  it('refuses a var schema property the catalog never writes (a typo cannot reach the dashboard unnoticed)', () => {
    const vars = { ...template.vars, properties: { version: { type: 'string', minlength: 1 } } };
    expect(templateBody.safeParse({ ...template, vars }).success).toBe(false);
  });

  it('documents every answer and request in the OpenAPI components', () => {
    expect(Object.keys(openApiComponents())).toEqual(
      expect.arrayContaining([
        'TokenBody',
        'CreatedTokenBody',
        'CreateTokenRequest',
        'AuditEntryBody',
        'AuditPage',
        'AuditQuery',
        'WorkerBody',
        'QueueSummaryBody',
        'LockWaitBody',
        'TemplateBody',
        'VarJsonSchema',
        'CatalogReloadAppliedBody',
        'CatalogReloadRefusedBody',
        'LiveBody',
        'ReadyBody',
        'PrincipalBody',
        'SignInRequest',
      ]),
    );
  });
});

describe('request contracts', () => {
  it('accepts a token create body and refuses a bad name or role, naming the field', () => {
    expect(createTokenRequest.safeParse({ name: 'ci.deploy@prod', role: 'viewer' }).success).toBe(true);
    for (const [field, body] of [
      ['name', { name: '-ci', role: 'viewer' }],
      ['name', { name: 'a'.repeat(101), role: 'viewer' }],
      ['role', { name: 'ci', role: 'root' }],
    ] as const) {
      expect(createTokenRequest.safeParse(body).error?.issues.map((issue) => issue.path[0])).toEqual([field]);
    }
    expect(createTokenRequest.safeParse({ name: 'ci', role: 'viewer', tokenHash: 'x' }).success).toBe(false);
  });

  it('accepts a sign-in body and refuses an empty or overlong token', () => {
    expect(signInRequest.safeParse({ token: 'slw_abc' }).success).toBe(true);
    expect(signInRequest.safeParse({ token: '' }).success).toBe(false);
    expect(signInRequest.safeParse({ token: 'x'.repeat(513) }).success).toBe(false);
  });

  it('reads an audit query as the URL gives it: decimal digits only, limit 50 by default', () => {
    expect(auditQuery.parse({ before: '41', action: 'token.revoke' })).toEqual({ before: 41, limit: 50, action: 'token.revoke' });
    expect(auditQuery.parse({ limit: '500', targetId: '12' })).toEqual({ limit: 500, targetId: 12 });
    for (const [field, query] of [
      ['before', { before: '0x1' }],
      ['before', { before: '0' }],
      ['after', { after: '1e3' }],
      ['limit', { limit: '501' }],
      ['limit', { limit: ' 5' }],
      ['targetId', { targetId: '' }],
      ['action', { action: 'release.delete' }],
      ['after', { before: '5', after: '3' }],
      ['page', { page: '2' }],
      ['pageSize', { pageSize: '20' }],
    ] as const) {
      expect(auditQuery.safeParse(query).error?.issues.map((issue) => issue.path[0]), JSON.stringify(query)).toEqual([field]);
    }
  });
});
