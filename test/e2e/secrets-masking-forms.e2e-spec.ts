import { stripAnsi } from '@slipway/ansible';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../support/api-client.js';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { readSse } from '../support/sse-client.js';
import { expectLogMaskedEverywhere } from '../support/masked-everywhere.js';
import { REPO_ROOT, type TestEnv, createTestEnv } from '../support/test-env.js';
import { createToken } from '../support/tokens.js';

// Issue 20 item 1: every form ansible prints a secret in (YAML escapes, YAML folding at 80 columns, JSON
// escapes) must reach no log, download, SSE stream or stored chunk. Each secret carries this run's random
// token, several times in the long ones, so any piece of one left in clear (half of a fold) shows it.
const TOKEN = randomBytes(5).toString('hex');
const words = (prefix: string) => Array.from({ length: 12 }, (_, i) => `${prefix}${i}-${TOKEN}`).join(' ');
const SECRETS: Readonly<Record<string, string>> = {
  s_emoji: `e-${TOKEN}-\u{1F600}-x`,
  s_bell: `b-${TOKEN}\u0007ring`,
  s_nel: `n-${TOKEN}\u0085line`,
  s_controls: `c-${TOKEN}\t\u001b\u0001\u007f'"\\z`,
  // Plain scalar, folded; single-quoted (": " rules plain out), folded; double-quoted (\a), folded.
  s_long: words('w'),
  s_long_quoted: `it's: ${words('q')}`,
  s_long_escaped: `${words('d')}\u0007`,
};
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** A YAML double-quoted scalar for `text`, every character outside printable ASCII escaped. */
function yamlQuoted(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `"${out}"`;
}

function catalogYaml(project: string): string {
  return [
    `project: ${project}`,
    'inventories:',
    '  local: inventories/local.ini',
    'templates:',
    '  print-forms:',
    '    playbook: print-forms.yml',
    '    timeout: 120',
    '    extraVars:',
    ...Object.entries(SECRETS).map(([name, value]) => `      ${name}: ${yamlQuoted(value)}`),
    `    secretVars: [${Object.keys(SECRETS).join(', ')}]`,
    '',
  ].join('\n');
}

function expectNoSecret(text: string, where: string): void {
  if (text.includes(TOKEN)) {
    const line = text.split('\n').find((l) => l.includes(TOKEN));
    throw new Error(`${where} shows a secret: ${JSON.stringify(line)}`);
  }
}

describe('secret vars: masked in every form ansible prints them (yaml and json result formats)', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: ServiceProcess;
  let bot: ApiClient;
  let dir: string;
  let project: string;

  beforeAll(async () => {
    env = await createTestEnv('secrets-forms');
    dir = mkdtempSync(join(tmpdir(), 'slipway-secret-forms-'));
    // A private copy: the JSON run swaps its ansible.cfg, which ansible reads from the run's cwd.
    project = join(dir, 'project');
    cpSync(resolve(REPO_ROOT, 'test/fixtures/masking-forms'), project, { recursive: true });
    const catalogFile = join(dir, 'catalog.yml');
    writeFileSync(catalogFile, catalogYaml(project));
    env.env.SLIPWAY_CATALOG = catalogFile;
    api = await startApi(env.env);
    worker = await startWorker(env.env);
    const admin = new ApiClient(api.url, env.bootstrapToken);
    bot = new ApiClient(api.url, await createToken(admin, 'forms-bot', 'deployer'));
  }, 120_000);

  afterAll(async () => {
    await Promise.all([worker?.stop(), api?.stop()]);
    await env?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the template, checks ansible got every real value, and that no place shows any of them. */
  async function releaseAndCheck(): Promise<string> {
    const release = await bot.createRelease({ template: 'print-forms' });
    const stream = await readSse(`${api.url}/api/v1/releases/${release.id}/events`, {
      headers: { authorization: `Bearer ${bot.token}` },
      timeoutMs: 120_000,
    });
    const done = await bot.waitForRelease(release.id, ['succeeded', 'failed'], 120_000);
    const log = await bot.log(release.id);
    expect(done.status, log).toBe('succeeded');
    for (const value of Object.values(SECRETS)) expect(log).toContain(sha1(value));
    expectNoSecret(log, 'GET /log');

    await expectLogMaskedEverywhere({ client: bot, env, releaseId: release.id, stream, expectNoSecret });
    return log;
  }

  it('yaml: escaped (\\U, \\a, \\N, \\t \\e \\x01 \\x7F) and folded (plain, single- and double-quoted, shell echo) values are ********', async () => {
    // The stored log keeps ansible's colours: the shape is checked on the plain text.
    const log = stripAnsi(await releaseAndCheck());
    // The forms were really printed: double-quoted for the escapes, folded onto lines of their own.
    expect(log).toContain('s_emoji: "********"');
    expect(log).toContain('s_nel: "********"');
    expect(log).toMatch(/s_long: \*{8}(\n\s+\*{8})+\n/);
    expect(log).toMatch(/s_long_quoted: '\*{8}(\n\s+\*{8})+'\n/);
    expect(log).toMatch(/s_long_escaped: "\*{8}(\n\s+\*{8})+"\n/);
    expect(log).toMatch(/cmd: echo '\*{8}(\n\s+\*{8})+'\n/);
    expect(log).toMatch(/stdout: \*{8}(\n\s+\*{8})+\n/);
  }, 180_000);

  it('json: JSON-escaped values (\\u0007, \\t, \\", \\\\, raw emoji and U+0085) are ********', async () => {
    copyFileSync(join(project, 'ansible-json.cfg'), join(project, 'ansible.cfg'));
    const log = stripAnsi(await releaseAndCheck());
    expect(log).toContain('"s_emoji": "********"');
    expect(log).toContain('"s_long": "********"');
    expect(log).toContain('"cmd": "echo \'********\'"');
  }, 180_000);
});
