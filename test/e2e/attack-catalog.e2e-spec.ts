import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, runNode, startApi, startWorker } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv, queryDb, releaseIds } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';
import { waitFor } from '../support/wait-for.js';

/**
 * Issue 10's attacks on the catalog boundary, as a `deployer`, against real ansible-playbook.
 * Every payload must be answered 4xx naming what is wrong, and leave nothing behind: no release row,
 * no job in the queue, no marker file (each payload would create one if ansible obeyed it).
 *
 * The catalog is the stock example catalog plus `open-flood`: log-flood.yml (it runs a module on the
 * host, so the interpreter, shell, become and connection are all used) with `openVars: true`, to prove
 * the reserved-name rule holds even where a template lets releases add undeclared vars.
 */
const markerDir = mkdtempSync(join(tmpdir(), 'slipway-attack-markers-'));
const marker = (name: string) => join(markerDir, name);

/** The five magic-var payloads from issue 10 "Why", each of which ran a command on the worker. */
function magicVarPayloads(): Array<{ name: string; vars: Record<string, unknown>; names: string[] }> {
  return [
    { name: 'interpreter', vars: { ansible_python_interpreter: `/bin/sh -c 'touch ${marker('interpreter')}' #` }, names: ['ansible_python_interpreter'] },
    { name: 'shell executable', vars: { ansible_shell_executable: `touch ${marker('shell')}; /bin/sh` }, names: ['ansible_shell_executable'] },
    {
      name: 'become exe',
      vars: { ansible_become: true, ansible_become_user: 'nobody', ansible_become_exe: `touch ${marker('become')}; sudo` },
      names: ['ansible_become', 'ansible_become_user', 'ansible_become_exe'],
    },
    {
      name: 'ssh ProxyCommand',
      vars: {
        ansible_connection: 'ssh',
        ansible_host: '127.0.0.1',
        ansible_ssh_common_args: `-o ProxyCommand="sh -c 'touch ${marker('proxy')}'"`,
      },
      names: ['ansible_connection', 'ansible_host', 'ansible_ssh_common_args'],
    },
    { name: 'remote tmp', vars: { ansible_remote_tmp: `/tmp/x$(touch ${marker('remote-tmp')})` }, names: ['ansible_remote_tmp'] },
  ];
}

/** Names ansible (or JavaScript) treats specially; each refused even on an openVars template. */
const RESERVED_NAMES = [
  'hostvars', 'groups', 'group_names', 'inventory_hostname', 'inventory_hostname_short', 'inventory_dir',
  'inventory_file', 'playbook_dir', 'play_hosts', 'ansible_play_hosts', 'role_path', 'omit', 'environment',
  'vars', 'become', 'connection', 'ANSIBLE_PYTHON_INTERPRETER', '1st', 'a-b', 'a.b', 'a b', '',
  "{{ lookup('pipe', 'touch /tmp/k') }}",
];

/** `limit` values that make ansible read a file or parse an option, or that name nothing real. */
const BAD_LIMITS = [
  '@/etc/passwd', 'localhost,@/etc/passwd', ' @/etc/passwd', 'localhost @/etc/passwd', 'localhost:@/etc/passwd',
  'localhost,!@/etc/passwd', 'localhost,&@/etc/passwd', 'localhost,-i/etc/hosts', 'localhost,,', 'no-such-host',
];

/** A JSON text nested `depth` arrays deep (JSON.stringify would need the same structure in memory). */
function nested(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

describe('attacks on the catalog boundary are refused and leave nothing behind', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let deployer: ApiClient;
  let catalogFile: string;

  beforeAll(async () => {
    const stock = parse(readFileSync(join(REPO_ROOT, 'examples/catalog.yml'), 'utf8')) as {
      project: string;
      templates: Record<string, Record<string, unknown>>;
    };
    stock.project = join(REPO_ROOT, 'examples/playbooks');
    stock.templates['open-flood'] = {
      description: 'log-flood with openVars: a release may add undeclared vars',
      playbook: 'log-flood.yml',
      inventories: ['local'],
      timeout: 120,
      vars: { lines: { type: 'integer', default: 3, min: 1, max: 100 } },
      openVars: true,
    };
    catalogFile = join(mkdtempSync(join(tmpdir(), 'slipway-attack-catalog-')), 'catalog.yml');
    writeFileSync(catalogFile, stringify(stock));
    env = await createTestEnv('attack-cat');
    env.env.SLIPWAY_CATALOG = catalogFile;
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    const admin = new ApiClient(api.url, env.bootstrapToken);
    deployer = new ApiClient(api.url, await createToken(admin, 'attacker', 'deployer'));
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    await env?.cleanup();
    rmSync(markerDir, { recursive: true, force: true });
  });

  async function written(): Promise<{ releases: number; jobs: number }> {
    const [row] = await queryDb<{ n: number }>(env.databaseUrl, 'SELECT COUNT(*) AS n FROM releases');
    const redis = new Redis(env.redisUrl);
    try {
      return { releases: Number(row?.n), jobs: (await redis.keys(`${env.queuePrefix}:releases:release-*`)).length };
    } finally {
      redis.disconnect();
    }
  }

  /** Sends `body` (an object, or raw JSON text) and expects a 4xx whose message names every fragment. */
  async function expectRefused(body: unknown, fragments: string[], status = 400): Promise<string> {
    const before = await written();
    const response = await deployer.request<{ message: string; errors?: Array<{ field: string }> }>('POST', '/api/v1/releases', body);
    expect(response.status, response.text).toBe(status);
    for (const fragment of fragments) expect(response.body.message, response.text).toContain(fragment);
    expect(await written()).toEqual(before);
    return response.body.message;
  }

  for (const payload of magicVarPayloads()) {
    for (const template of ['log-flood', 'open-flood']) {
      it(`magic vars (${payload.name}) on ${template} → 400 naming ${payload.names.join(', ')}`, async () => {
        await expectRefused({ template, extraVars: { lines: 3, ...payload.vars } }, payload.names.map((n) => `extraVars.${n}`));
      });
    }
  }

  it('every problem is in one answer: bad DTO fields and bad vars together', async () => {
    const message = await expectRefused(
      { template: 'open-flood', checkMode: 'yes', tags: ['-x'], extraVars: { lines: 'many', hostvars: 1, ansible_host: 'x' } },
      ['checkMode', 'tags[0]', 'extraVars.lines', 'extraVars.hostvars', 'extraVars.ansible_host'],
    );
    expect(message.split('; ').length).toBeGreaterThanOrEqual(5);
  });

  for (const name of RESERVED_NAMES) {
    it(`reserved or malformed name ${JSON.stringify(name)} on an openVars template → 400 naming it`, async () => {
      await expectRefused({ template: 'open-flood', extraVars: { [name]: 'x' } }, [`extraVars.${name}`]);
    });
  }

  for (const name of ['__proto__', 'constructor', 'prototype']) {
    it(`"${name}" as a var name → 400, not silently dropped`, async () => {
      await expectRefused(`{"template":"open-flood","extraVars":{"lines":2,"${name}":{"polluted":true}}}`, [`extraVars.${name}`]);
    });
    it(`"${name}" nested inside a value → 400 naming the var`, async () => {
      await expectRefused(`{"template":"open-flood","extraVars":{"note":{"a":{"${name}":{"x":1}}}}}`, ['extraVars.note', name]);
    });
  }

  it('"__proto__" as a top-level field → 400 naming it', async () => {
    await expectRefused('{"template":"log-flood","__proto__":{"extraVars":{"ansible_host":"x"}}}', ['__proto__: unknown field']);
  });

  it('an undeclared var on a closed template → 400 naming it', async () => {
    await expectRefused({ template: 'log-flood', extraVars: { lines: 3, surprise: 1 } }, ['extraVars.surprise', 'unknown']);
  });

  it('values nested 2 000 deep → 400 naming the var (was 500 from a DB CHECK constraint)', async () => {
    await expectRefused(`{"template":"open-flood","extraVars":{"deep":${nested(2000)}}}`, ['extraVars.deep', 'deep']);
    await expectRefused(`{"template":"log-flood","extraVars":{"lines":${nested(2000)}}}`, ['extraVars.lines']);
  });

  for (const limit of BAD_LIMITS) {
    it(`limit ${JSON.stringify(limit)} → 400 naming limit`, async () => {
      await expectRefused({ template: 'log-flood', limit }, ['limit']);
    });
  }

  it('many long tags → 400 naming tags before spawn can fail with E2BIG', async () => {
    const tags = Array.from({ length: 100 }, (_, i) => `t${i}-${'x'.repeat(1_900)}`);
    await expectRefused({ template: 'log-flood', tags }, ['tags']);
    await expectRefused({ template: 'log-flood', skipTags: tags }, ['skipTags']);
  });

  it('a huge body → 413, nothing written', async () => {
    await expectRefused({ template: 'open-flood', extraVars: { blob: 'x'.repeat(400 * 1024) } }, ['body'], 413);
  });

  it('Jinja in a value is printed literally, never evaluated (values are !unsafe)', async () => {
    const jinja = `{{ lookup('pipe', 'touch ${marker('jinja-value')}') }}`;
    const created = await deployer.createRelease({ template: 'hello', extraVars: { greeting: jinja } });
    const done = await waitFor('the hello release to finish', async () => {
      const release = await deployer.getRelease(created.id);
      return ['succeeded', 'failed', 'cancelled', 'interrupted'].includes(release.status) ? release : undefined;
    }, { timeoutMs: 90_000 });
    expect(done.status).toBe('succeeded');
    // The YAML callback may fold the long line, so look for its start: the braces arrived unrendered.
    expect(await deployer.log(created.id)).toContain("greeting={{ lookup('pipe', 'touch");
    expect(existsSync(marker('jinja-value'))).toBe(false);
  }, 120_000);

  it('a valid release still runs, and after it no payload left a marker file', async () => {
    const created = await deployer.createRelease({ template: 'open-flood', extraVars: { lines: 2, note: 'fine' }, limit: 'localhost' });
    const done = await waitFor('the open-flood release to finish', async () => {
      const release = await deployer.getRelease(created.id);
      return ['succeeded', 'failed', 'cancelled', 'interrupted'].includes(release.status) ? release : undefined;
    }, { timeoutMs: 90_000 });
    expect(done.status, await deployer.log(created.id)).toBe('succeeded');
    // The worker has drained the queue up to this release: anything accepted earlier has run by now.
    const [row] = await queryDb<{ n: number }>(env.databaseUrl, "SELECT COUNT(*) AS n FROM releases WHERE status IN ('queued', 'running')");
    expect(Number(row?.n)).toBe(0);
    expect(readdirSync(markerDir)).toEqual([]);
  }, 120_000);
});

describe('typed vars from the client side: deploy-web (issue 10 example)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let deployer: ApiClient;
  let approver: ApiClient;

  beforeAll(async () => {
    env = await createTestEnv('typed-vars');
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    const admin = new ApiClient(api.url, env.bootstrapToken);
    deployer = new ApiClient(api.url, await createToken(admin, 'typed', 'deployer'));
    approver = new ApiClient(api.url, await createToken(admin, 'typed-approver', 'approver'));
  }, 120_000);

  afterAll(async () => {
    await worker?.stop();
    await api?.stop();
    await env?.cleanup();
  });

  it('GET /templates serves the vars as JSON Schema, never a secret default, and OpenAPI describes it', async () => {
    const { status, body } = await deployer.request<Array<Record<string, unknown>>>('GET', '/api/v1/templates');
    expect(status).toBe(200);
    const web = body.find((t) => t.name === 'deploy-web');
    expect(web).toMatchObject({
      inventories: ['staging', 'prod'],
      defaultInventory: 'staging',
      openVars: false,
      limit: 'any',
      secretVars: ['db_password'],
      approval: { approvers: 1, allowSelfApproval: false, expiresAfterSeconds: 86_400, preview: false, inventories: ['prod'] },
      vars: {
        type: 'object',
        required: ['version'],
        additionalProperties: false,
        properties: {
          version: { type: 'string', pattern: '^(?:^[0-9]+\\.[0-9]+\\.[0-9]+$)$', description: 'Release to deploy' },
          canary: { type: 'integer', default: 10, minimum: 0, maximum: 100 },
          rollout: { type: 'string', enum: ['rolling', 'blue-green'], default: 'rolling' },
          announce: { type: 'boolean', default: true },
          hosts_per_batch: { type: 'integer', default: 5, minimum: 1 },
          db_password: { type: 'string', writeOnly: true, 'x-secret': true },
        },
      },
    });
    // The env var's name may be in the description; what must never be served is a default for a secret.
    const dbPassword = (web?.vars as { properties: Record<string, Record<string, unknown>> }).properties.db_password;
    expect(dbPassword).not.toHaveProperty('default');
    expect(body.find((t) => t.name === 'hello')).toMatchObject({ openVars: true, vars: { additionalProperties: true } });
    const docs = await deployer.request<string>('GET', '/api/docs-json');
    expect(docs.text).toContain('x-secret');
    expect(docs.text).toContain('additionalProperties is the template');
  });

  it('a typed release is stored with its defaults applied and runs on prod limited to a group', async () => {
    const created = await deployer.createRelease({ template: 'deploy-web', inventory: 'prod', limit: 'web', extraVars: { version: '2.4.1', canary: 0 } });
    expect(created.extraVars).toEqual({ version: '2.4.1', canary: 0, rollout: 'rolling', announce: true, hosts_per_batch: 5 });
    // The example catalog asks for one approval on prod (README "Approvals").
    expect(created.status).toBe('awaiting-approval');
    expect((await approver.request('POST', `/api/v1/releases/${created.id}/approve`, { comment: 'typed vars look right' })).status).toBe(200);
    const done = await waitFor('the deploy-web release to finish', async () => {
      const release = await deployer.getRelease(created.id);
      return ['succeeded', 'failed', 'cancelled', 'interrupted'].includes(release.status) ? release : undefined;
    }, { timeoutMs: 90_000 });
    const log = await deployer.log(created.id);
    expect(done.status, log).toBe('succeeded');
    expect(log).toContain('version=2.4.1 canary=0 rollout=rolling announce=True hosts_per_batch=5');
    // Its vars are named so that ansible does not warn (it did for `strategy` and `notify`, its own keywords).
    expect(log).not.toMatch(/\[WARNING\].*reserved name/i);
  }, 120_000);

  it('every bad var of deploy-web in one 400, naming the var and the rule', async () => {
    const response = await deployer.request<{ message: string; errors: Array<{ field: string }> }>('POST', '/api/v1/releases', {
      template: 'deploy-web',
      inventory: 'qa',
      extraVars: { version: '2.4', canary: 101, rollout: 'big-bang', announce: 'yes', hosts_per_batch: 0 },
    });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e) => e.field)).toEqual([
      'inventory', 'extraVars.version', 'extraVars.canary', 'extraVars.rollout', 'extraVars.announce', 'extraVars.hosts_per_batch',
    ]);
    expect(response.body.message).toContain('extraVars.canary: must be at most 100 (max)');
    expect(response.body.message).toContain('(pattern)');
    const missing = await deployer.request<{ message: string }>('POST', '/api/v1/releases', { template: 'deploy-web' });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe('extraVars.version: required');
    expect(await releaseIds(env.databaseUrl)).toHaveLength(1);
  });
});

describe('the same payloads as catalog defaults stop the API at start-up', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv('attack-cat-load');
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('names each reserved default and exits 1 without a stack trace', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'slipway-attack-catalog-')), 'catalog.yml');
    writeFileSync(
      file,
      stringify({
        project: join(REPO_ROOT, 'examples/playbooks'),
        inventories: { local: 'inventories/local.ini' },
        templates: {
          typed: {
            playbook: 'log-flood.yml',
            vars: { ansible_python_interpreter: { type: 'string', default: `/bin/sh -c 'touch ${marker('load')}' #` } },
          },
          legacy: { playbook: 'log-flood.yml', extraVars: { ansible_become_exe: 'touch /tmp/x; sudo', hostvars: 1 } },
        },
      }),
    );
    const { code, output } = await runNode('dist/apps/api/main.js', { ...env.env, SLIPWAY_CATALOG: file });
    expect(code).toBe(1);
    expect(output).toContain(`catalog ${file} is invalid`);
    expect(output).toContain('templates.typed.vars.ansible_python_interpreter: reserved name');
    expect(output).toContain('templates.legacy.extraVars.ansible_become_exe: reserved name');
    expect(output).toContain('templates.legacy.extraVars.hostvars: reserved name');
    expect(output).not.toMatch(/^\s+at /m);
  });
});
