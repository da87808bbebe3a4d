import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, startApi } from '../support/processes.js';
import { readSse } from '../support/sse-client.js';
import { type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';
import { type Role, createToken, signIn } from '../support/tokens.js';

type Need = Role | 'public';

interface RouteRow {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** As OpenAPI writes it; each {placeholder} is filled with one that does not exist, so allowed calls change nothing. */
  path: string;
  need: Need;
  /** A body that is refused with 400 when the caller is allowed, so the matrix writes nothing. */
  body?: unknown;
}

/** Every /api/v1 route and the least role it needs. The first test checks this against /api/docs-json. */
const ROUTES: RouteRow[] = [
  { method: 'GET', path: '/api/v1/releases', need: 'viewer' },
  { method: 'POST', path: '/api/v1/releases', need: 'deployer', body: {} },
  { method: 'GET', path: '/api/v1/releases/{id}', need: 'viewer' },
  { method: 'GET', path: '/api/v1/releases/{id}/log', need: 'viewer' },
  { method: 'GET', path: '/api/v1/releases/{id}/events', need: 'viewer' },
  { method: 'POST', path: '/api/v1/releases/{id}/cancel', need: 'deployer' },
  { method: 'POST', path: '/api/v1/releases/{id}/rerun', need: 'deployer' },
  { method: 'POST', path: '/api/v1/releases/{id}/approve', need: 'approver', body: {} },
  { method: 'POST', path: '/api/v1/releases/{id}/reject', need: 'approver', body: { comment: 'no' } },
  { method: 'GET', path: '/api/v1/approvals', need: 'approver' },
  { method: 'GET', path: '/api/v1/templates', need: 'viewer' },
  // The admin's call re-reads the unchanged file: audited, nothing else changes.
  { method: 'POST', path: '/api/v1/catalog/reload', need: 'admin' },
  { method: 'GET', path: '/api/v1/audit', need: 'viewer' },
  { method: 'GET', path: '/api/v1/workers', need: 'viewer' },
  { method: 'GET', path: '/api/v1/queue', need: 'viewer' },
  { method: 'GET', path: '/api/v1/tokens', need: 'admin' },
  { method: 'POST', path: '/api/v1/tokens', need: 'admin', body: {} },
  { method: 'DELETE', path: '/api/v1/tokens/{id}', need: 'admin' },
  { method: 'GET', path: '/api/v1/webhooks', need: 'admin' },
  { method: 'POST', path: '/api/v1/webhooks', need: 'admin', body: {} },
  { method: 'GET', path: '/api/v1/webhooks/{id}', need: 'admin' },
  { method: 'PATCH', path: '/api/v1/webhooks/{id}', need: 'admin', body: {} },
  { method: 'DELETE', path: '/api/v1/webhooks/{id}', need: 'admin' },
  { method: 'POST', path: '/api/v1/webhooks/{id}/rotate-secret', need: 'admin', body: { overlapHours: -1 } },
  { method: 'POST', path: '/api/v1/webhooks/{id}/enable', need: 'admin' },
  { method: 'GET', path: '/api/v1/webhooks/{id}/deliveries', need: 'admin' },
  { method: 'POST', path: '/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver', need: 'admin' },
  { method: 'GET', path: '/api/v1/releases/{id}/hosts', need: 'viewer' },
  { method: 'GET', path: '/api/v1/releases/{id}/tasks', need: 'viewer' },
  { method: 'GET', path: '/api/v1/releases/{id}/ansible-events', need: 'viewer' },
  { method: 'GET', path: '/api/v1/releases/{id}/ansible-events/{seq}', need: 'viewer' },
  { method: 'GET', path: '/api/v1/schedules', need: 'viewer' },
  { method: 'POST', path: '/api/v1/schedules', need: 'deployer', body: {} },
  { method: 'POST', path: '/api/v1/schedules/preview', need: 'viewer', body: {} },
  { method: 'GET', path: '/api/v1/schedules/{id}', need: 'viewer' },
  { method: 'POST', path: '/api/v1/schedules/{id}/pause', need: 'deployer' },
  { method: 'POST', path: '/api/v1/schedules/{id}/resume', need: 'deployer' },
  { method: 'DELETE', path: '/api/v1/schedules/{id}', need: 'deployer' },
  { method: 'GET', path: '/api/v1/freezes', need: 'viewer' },
  { method: 'GET', path: '/api/v1/freezes/status', need: 'viewer' },
  { method: 'POST', path: '/api/v1/freezes', need: 'admin', body: {} },
  { method: 'PATCH', path: '/api/v1/freezes/{id}', need: 'admin', body: {} },
  { method: 'DELETE', path: '/api/v1/freezes/{id}', need: 'admin' },
  { method: 'GET', path: '/api/v1/dns/zones', need: 'viewer' },
  { method: 'POST', path: '/api/v1/dns/zones', need: 'admin', body: {} },
  { method: 'GET', path: '/api/v1/dns/zones/{zone}', need: 'viewer' },
  { method: 'DELETE', path: '/api/v1/dns/zones/{zone}', need: 'admin' },
  { method: 'GET', path: '/api/v1/dns/zones/{zone}/renders', need: 'viewer' },
  { method: 'GET', path: '/api/v1/dns/zones/{zone}/file', need: 'viewer' },
  { method: 'POST', path: '/api/v1/dns/zones/{zone}/import', need: 'deployer', body: {} },
  { method: 'PUT', path: '/api/v1/dns/zones/{zone}/reload-release', need: 'admin', body: {} },
  { method: 'DELETE', path: '/api/v1/dns/zones/{zone}/reload-release', need: 'admin' },
  { method: 'GET', path: '/api/v1/dns/zones/{zone}/records', need: 'viewer' },
  { method: 'POST', path: '/api/v1/dns/zones/{zone}/records', need: 'deployer', body: {} },
  { method: 'GET', path: '/api/v1/dns/zones/{zone}/records/{id}', need: 'viewer' },
  { method: 'PUT', path: '/api/v1/dns/zones/{zone}/records/{id}', need: 'deployer', body: {} },
  { method: 'DELETE', path: '/api/v1/dns/zones/{zone}/records/{id}', need: 'deployer' },
  { method: 'GET', path: '/api/v1/session', need: 'viewer' },
  { method: 'POST', path: '/api/v1/session', need: 'public', body: {} },
  { method: 'DELETE', path: '/api/v1/session', need: 'public' },
];

const RANK: Record<Role, number> = { viewer: 0, deployer: 1, approver: 2, admin: 3 };
type Caller = 'no token' | 'bad token' | 'malformed header' | Role;
const CALLERS: Caller[] = ['no token', 'bad token', 'malformed header', 'viewer', 'deployer', 'approver', 'admin'];

function expectedFor(row: RouteRow, caller: Caller): 'allowed' | 401 | 403 {
  if (row.need === 'public') return 'allowed';
  if (caller === 'no token' || caller === 'bad token' || caller === 'malformed header') return 401;
  return RANK[caller] >= RANK[row.need] ? 'allowed' : 403;
}

describe('API authentication and roles', () => {
  let env: TestEnv;
  let api: RunningApi;
  let admin: ApiClient;
  const tokens = {} as Record<Role, string>;

  beforeAll(async () => {
    env = await createTestEnv('api-auth');
    // The matrix sends every route a bad token and a malformed header from one address, far more failed
    // authentications than the lockout allows; the lockout has tests of its own (attack-http).
    api = await startApi({ ...env.env, AUTH_MAX_FAILURES: '100000' });
    admin = new ApiClient(api.url, env.bootstrapToken);
    for (const role of ['viewer', 'deployer', 'approver', 'admin'] as Role[]) tokens[role] = await createToken(admin, `matrix-${role}`, role);
  });

  afterAll(async () => {
    await api?.stop();
    await env?.cleanup();
  });

  function headersFor(caller: Caller): Record<string, string> {
    if (caller === 'no token') return {};
    if (caller === 'bad token') return { authorization: 'Bearer slw_this-token-was-never-issued' };
    if (caller === 'malformed header') return { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` };
    return { authorization: `Bearer ${tokens[caller]}` };
  }

  it('the route table lists exactly the /api/v1 routes the API documents', async () => {
    const doc = await new ApiClient(api.url).request<{ paths: Record<string, Record<string, unknown>> }>('GET', '/api/docs-json');
    expect(doc.status).toBe(200);
    const documented = Object.entries(doc.body.paths)
      .filter(([path]) => path.startsWith('/api/v1'))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    expect(documented).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  describe('matrix: every route × no token / bad / viewer / deployer / approver / admin', () => {
    for (const row of ROUTES) {
      for (const caller of CALLERS) {
        const expected = expectedFor(row, caller);
        it(`${row.method} ${row.path} as ${caller} → ${expected}`, async () => {
          const client = new ApiClient(api.url);
          const path = row.path.replace(/\{(\w+)\}/g, (_, name: string) => (name === 'zone' ? 'no-such-zone.example' : '999999'));
          const response = await client.request<{ message?: string }>(row.method, path, row.body, headersFor(caller));
          if (expected === 'allowed') {
            expect([401, 403], `${response.status} ${response.text}`).not.toContain(response.status);
            expect(response.status, response.text).toBeLessThan(500);
          } else {
            expect(response.status, response.text).toBe(expected);
            expect(response.body.message).toBeTruthy();
            if (expected === 401) expect(response.headers.get('www-authenticate')).toContain('Bearer');
          }
        });
      }
    }
  });

  it("the matrix changed nothing: no release, no token beyond the four, no audit entry but their creation and the admin's reload", async () => {
    const [releases] = await queryDb<{ n: number }>(env.databaseUrl, 'SELECT COUNT(*) AS n FROM releases');
    expect(Number(releases?.n)).toBe(0);
    const names = await queryDb<{ name: string }>(env.databaseUrl, 'SELECT name FROM api_tokens ORDER BY id');
    expect(names.map((r) => r.name)).toEqual(['matrix-viewer', 'matrix-deployer', 'matrix-approver', 'matrix-admin']);
    const actions = await queryDb<{ action: string; actor: string }>(env.databaseUrl, 'SELECT action, actor FROM audit_entries ORDER BY id');
    expect(actions.map((r) => `${r.action} by ${r.actor}`)).toEqual([
      'token.create by bootstrap',
      'token.create by bootstrap',
      'token.create by bootstrap',
      'token.create by bootstrap',
      'catalog.reload by matrix-admin',
    ]);
  });

  it('health, metrics-style open routes and the API description need no token', async () => {
    const open = new ApiClient(api.url);
    expect((await open.request('GET', '/health/live')).status).toBe(200);
    expect((await open.request('GET', '/health/ready')).status).toBe(200);
    expect((await open.request('GET', '/api/docs-json')).status).toBe(200);
    const ui = await open.request('GET', '/api/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });

  describe('tokens', () => {
    it('are shown once, stored only as hashes, named and revocable', async () => {
      const created = await admin.request<{ id: number; name: string; role: string; token: string; createdBy: string }>(
        'POST', '/api/v1/tokens', { name: 'ci', role: 'deployer' });
      expect(created.status).toBe(201);
      expect(created.body.token).toMatch(/^slw_[A-Za-z0-9_-]{40,}$/);
      expect(created.body).toMatchObject({ name: 'ci', role: 'deployer', createdBy: 'bootstrap' });

      const listed = await admin.request<Record<string, unknown>[]>('GET', '/api/v1/tokens');
      expect(listed.text).not.toContain(created.body.token);
      expect(listed.body.find((t) => t.id === created.body.id)).not.toHaveProperty('token');
      const rows = await queryDb<{ token_hash: string }>(env.databaseUrl, 'SELECT * FROM api_tokens WHERE id = ?', [created.body.id]);
      expect(JSON.stringify(rows)).not.toContain(created.body.token);
      expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);

      const ci = new ApiClient(api.url, created.body.token);
      expect((await ci.request('GET', '/api/v1/releases')).status).toBe(200);
      expect((await admin.request('POST', '/api/v1/tokens', { name: 'ci', role: 'viewer' })).status).toBe(409);

      const revoked = await admin.request<{ revokedAt: string | null; revokedBy: string }>('DELETE', `/api/v1/tokens/${created.body.id}`);
      expect(revoked.status).toBe(200);
      expect(revoked.body.revokedAt).toBeTruthy();
      expect(revoked.body.revokedBy).toBe('bootstrap');
      expect((await ci.request('GET', '/api/v1/releases')).status).toBe(401);
      expect((await admin.request('DELETE', `/api/v1/tokens/${created.body.id}`)).status).toBe(409);
      // The name of a revoked token may be given again.
      expect((await admin.request('POST', '/api/v1/tokens', { name: 'ci', role: 'viewer' })).status).toBe(201);

      const audit = await admin.request<{ items: { action: string; actor: string; targetId: number; details: Record<string, unknown> }[] }>(
        'GET', `/api/v1/audit?targetType=token&targetId=${created.body.id}`);
      expect(audit.body.items.map((e) => e.action)).toEqual(['token.revoke', 'token.create']);
      expect(audit.body.items.every((e) => e.actor === 'bootstrap')).toBe(true);
      expect(audit.text).not.toContain(created.body.token);
    });

    it('refuse bad input naming the field', async () => {
      const cases: [unknown, string, number][] = [
        [{ name: 'x', role: 'root' }, 'role', 400],
        [{ name: '-x', role: 'viewer' }, 'name', 400],
        [{ name: 'bootstrap', role: 'viewer' }, 'name', 400],
        [{ name: 'x', role: 'viewer', expires: 1 }, 'expires', 400],
      ];
      for (const [body, field, status] of cases) {
        const response = await admin.request<{ message: string }>('POST', '/api/v1/tokens', body);
        expect(response.status, response.text).toBe(status);
        expect(response.body.message).toContain(field);
      }
      expect((await admin.request('DELETE', '/api/v1/tokens/abc')).status).toBe(400);
      expect((await admin.request('DELETE', '/api/v1/tokens/424242')).status).toBe(404);
    });
  });

  it('a release records the token name as requestedBy', async () => {
    const deployer = new ApiClient(api.url, tokens.deployer);
    const created = await deployer.createRelease({ template: 'hello', runAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(created.requestedBy).toBe('matrix-deployer');
    const cancelled = await deployer.request<{ status: string; cancelRequestedBy: string }>('POST', `/api/v1/releases/${created.id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelRequestedBy: 'matrix-deployer' });
  });

  describe('dashboard session cookie', () => {
    it('sign-in sets an HttpOnly, SameSite=Strict cookie that stands for the token', async () => {
      const { cookie, setCookie } = await signIn(api.url, tokens.viewer);
      expect(setCookie).toMatch(/^slipway_session=[A-Za-z0-9_-]{40,};/);
      expect(setCookie).toContain('HttpOnly');
      expect(setCookie).toContain('SameSite=Strict');
      expect(setCookie).toContain('Path=/');
      expect(setCookie).not.toContain(tokens.viewer);
      const client = new ApiClient(api.url);
      const me = await client.request('GET', '/api/v1/session', undefined, { cookie });
      expect(me.status).toBe(200);
      expect(me.body).toEqual({ name: 'matrix-viewer', role: 'viewer' });
      expect((await client.request('GET', '/api/v1/releases', undefined, { cookie })).status).toBe(200);
      expect((await client.request('POST', '/api/v1/releases', { template: 'hello' }, { cookie, 'x-slipway-csrf': '1' })).status).toBe(403);
      const rows = await queryDb(env.databaseUrl, 'SELECT * FROM api_sessions');
      expect(JSON.stringify(rows)).not.toContain(cookie.split('=')[1]);
    });

    it('cookie-authenticated changes need X-Slipway-Csrf: 1', async () => {
      const { cookie } = await signIn(api.url, tokens.deployer);
      const client = new ApiClient(api.url);
      const later = new Date(Date.now() + 3_600_000).toISOString();
      const refused = await client.request<{ message: string }>('POST', '/api/v1/releases', { template: 'hello', runAt: later }, { cookie });
      expect(refused.status).toBe(403);
      expect(refused.body.message).toContain('X-Slipway-Csrf');
      const created = await client.request<{ id: number; requestedBy: string }>('POST', '/api/v1/releases', { template: 'hello', runAt: later }, { cookie, 'x-slipway-csrf': '1' });
      expect(created.status).toBe(201);
      expect(created.body.requestedBy).toBe('matrix-deployer');
      const cancel = await client.request('POST', `/api/v1/releases/${created.body.id}/cancel`, undefined, { cookie, 'x-slipway-csrf': '1' });
      expect(cancel.status).toBe(200);

      // EventSource cannot send headers: the stream works with the cookie alone.
      const stream = await readSse(`${api.url}/api/v1/releases/${created.body.id}/events`, { headers: { cookie } });
      expect(stream.status).toBe(200);
      expect(stream.contentType).toContain('text/event-stream');
      expect(stream.events.at(-1)?.event).toBe('end');
      expect(stream.endedByServer).toBe(true);
    });

    it('sign-out and token revocation end the session; bad sign-ins get 401', async () => {
      const client = new ApiClient(api.url);
      const first = await signIn(api.url, tokens.viewer);
      expect((await client.request('DELETE', '/api/v1/session', undefined, { cookie: first.cookie })).status).toBe(204);
      expect((await client.request('GET', '/api/v1/session', undefined, { cookie: first.cookie })).status).toBe(401);

      const doomed = await createToken(admin, 'doomed', 'viewer');
      const second = await signIn(api.url, doomed);
      expect((await client.request('GET', '/api/v1/session', undefined, { cookie: second.cookie })).status).toBe(200);
      const list = await admin.request<{ id: number; name: string }[]>('GET', '/api/v1/tokens');
      const doomedId = list.body.find((t) => t.name === 'doomed')!.id;
      expect((await admin.request('DELETE', `/api/v1/tokens/${doomedId}`)).status).toBe(200);
      expect((await client.request('GET', '/api/v1/session', undefined, { cookie: second.cookie })).status).toBe(401);

      const bad = await client.request<{ message: string }>('POST', '/api/v1/session', { token: 'slw_nope' });
      expect(bad.status).toBe(401);
      expect(bad.headers.get('set-cookie')).toBeNull();
      const missing = await client.request<{ message: string }>('POST', '/api/v1/session', {});
      expect(missing.status).toBe(400);
      expect(missing.body.message).toContain('token');
    });
  });
});
