import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, startApi } from '../support/processes.js';
import { type TestEnv, createTestEnv } from '../support/test-env.js';

interface Schema {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
}
interface Operation {
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
  security?: unknown[];
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, { type: string; scheme?: string; bearerFormat?: string; description?: string }> };
}

/** The OpenAPI description at /api/docs-json, as generated from the controllers of the running API. */
describe('OpenAPI', () => {
  let env: TestEnv;
  let api: RunningApi;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    env = await createTestEnv('openapi');
    api = await startApi(env.env);
    doc = (await (await fetch(`${api.url}/api/docs-json`)).json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await api?.stop();
    await env?.cleanup();
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, path, method, op })));

  /** Follows $ref (and allOf, for classes that extend another) to the properties of a schema. */
  function properties(schema: Schema): { properties: Record<string, Schema>; required: string[] } {
    if (schema.$ref) return properties(doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')]);
    const own = { properties: { ...(schema.properties ?? {}) }, required: [...(schema.required ?? [])] };
    for (const part of schema.allOf ?? []) {
      const inherited = properties(part);
      Object.assign(own.properties, inherited.properties);
      own.required.push(...inherited.required);
    }
    return own;
  }

  it('describes the token as an opaque slw_ bearer token, not a JWT', () => {
    const bearer = Object.values(doc.components.securitySchemes).find((s) => s.scheme === 'bearer');
    expect(bearer).toBeDefined();
    expect(bearer!.bearerFormat).not.toMatch(/jwt/i);
    expect(bearer!.description).toContain('slw_');
  });

  it('every route has a 2xx answer with a schema (or 204, no body)', () => {
    expect(operations().length).toBeGreaterThanOrEqual(18);
    const missing = operations().flatMap(({ route, op }) => {
      const ok = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
      if (ok.length === 0) return [`${route}: no 2xx response`];
      return ok.flatMap(([status, response]) => {
        if (status === '204') return [];
        const schemas = Object.values(response.content ?? {}).map((c) => c.schema);
        return schemas.length > 0 && schemas.every(Boolean) ? [] : [`${route}: ${status} has no schema`];
      });
    });
    expect(missing).toEqual([]);
  });

  it('documents the list queries parameter by parameter, from their contract components', () => {
    const queryOf = (path: string) => (doc.paths[path].get.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    expect(queryOf('/api/v1/releases')).toEqual(expect.arrayContaining(['before', 'after', 'limit', 'status', 'template', 'requestedBy', 'createdFrom', 'createdTo']));
    expect(queryOf('/api/v1/audit')).toEqual(expect.arrayContaining(['before', 'limit', 'actor', 'action', 'targetType', 'targetId']));
  });

  it('every route documents its errors with the one error body', () => {
    const problems: string[] = [];
    for (const { route, path, method, op } of operations()) {
      if (!path.startsWith('/api/v1/')) continue;
      const expected = new Set<string>(['503']);
      const isPublic = path === '/api/v1/session' && method !== 'get';
      if (!isPublic) ['401', '403'].forEach((s) => expected.add(s));
      if (path.includes('{id}')) ['400', '404'].forEach((s) => expected.add(s));
      if (op.requestBody || (op.parameters ?? []).some((p) => p.in === 'query')) expected.add('400');
      if (route === 'POST /api/v1/releases/{id}/cancel' || route === 'POST /api/v1/releases' || route === 'POST /api/v1/tokens') expected.add('409');
      for (const status of expected) {
        const response = op.responses[status];
        if (!response) {
          problems.push(`${route}: no ${status}`);
          continue;
        }
        const schema = response.content?.['application/json']?.schema;
        if (!schema) {
          problems.push(`${route}: ${status} has no JSON schema`);
          continue;
        }
        const fields = properties(schema).properties;
        for (const field of ['statusCode', 'error', 'message']) if (!fields[field]) problems.push(`${route}: ${status} body lacks ${field}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the documented fields are the ones real answers carry', async () => {
    const admin = new ApiClient(api.url, env.bootstrapToken);
    const created = await admin.request('POST', '/api/v1/releases', { template: 'hello', runAt: new Date(Date.now() + 3_600_000).toISOString() });
    const release = created.body as Record<string, unknown>;
    const schemaOf = (route: string, status: string) => {
      const [method, path] = route.split(' ');
      return doc.paths[path][method.toLowerCase()].responses[status].content!['application/json'].schema!;
    };
    const checks: [string, string, Record<string, unknown>][] = [
      ['POST /api/v1/releases', '201', release],
      ['GET /api/v1/releases/{id}', '200', (await admin.request('GET', `/api/v1/releases/${Number(release.id)}`)).body as Record<string, unknown>],
      ['GET /api/v1/releases', '200', (await admin.request('GET', '/api/v1/releases')).body as Record<string, unknown>],
      ['GET /api/v1/queue', '200', (await admin.request('GET', '/api/v1/queue')).body as Record<string, unknown>],
      ['GET /api/v1/audit', '200', (await admin.request('GET', '/api/v1/audit')).body as Record<string, unknown>],
      ['GET /api/v1/session', '200', (await admin.request('GET', '/api/v1/session')).body as Record<string, unknown>],
      ['POST /api/v1/tokens', '201', (await admin.request('POST', '/api/v1/tokens', { name: 'openapi', role: 'viewer' })).body as Record<string, unknown>],
      ['GET /api/v1/releases/{id}', '404', (await admin.request('GET', '/api/v1/releases/999999')).body as Record<string, unknown>],
      ['POST /api/v1/catalog/reload', '200', (await admin.request('POST', '/api/v1/catalog/reload')).body as Record<string, unknown>],
    ];
    for (const [route, status, body] of checks) {
      const { properties: documented, required } = properties(schemaOf(route, status));
      expect(Object.keys(body).sort(), `${route} ${status}: fields`).toEqual(expect.arrayContaining(required));
      for (const key of Object.keys(body)) expect(documented[key], `${route} ${status}: ${key} is not documented`).toBeDefined();
    }
    const templates = (await admin.request('GET', '/api/v1/templates')).body as Record<string, unknown>[];
    // The list is a named component (TemplateList) whose items are the template's schema.
    const listSchema = schemaOf('GET /api/v1/templates', '200');
    const resolvedList = listSchema.$ref ? doc.components.schemas[listSchema.$ref.replace('#/components/schemas/', '')] : listSchema;
    const templateSchema = properties(resolvedList.items!);
    for (const key of Object.keys(templates[0])) expect(templateSchema.properties[key], `template field ${key} is not documented`).toBeDefined();
  });
});
