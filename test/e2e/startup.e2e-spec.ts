import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../support/processes.js';
import { type TestEnv, createTestEnv, freePort } from '../support/test-env.js';

/** A bad setting or a missing dependency stops a process with one line saying what and how to fix it. */
describe('start-up problems get one clear line, not a stack trace', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv('startup');
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  function expectOneLine(output: string, ...fragments: string[]) {
    const lines = output.trim().split('\n');
    expect(lines, output).toHaveLength(1);
    for (const fragment of fragments) expect(lines[0]).toContain(fragment);
    expect(output).not.toMatch(/^\s+at /m);
  }

  it('a bad variable is named', async () => {
    for (const entry of ['dist/apps/api/main.js', 'dist/apps/worker/main.js']) {
      const { code, output } = await runNode(entry, { ...env.env, WORKER_CONCURRENCY: 'lots' });
      expect(code).toBe(1);
      expectOneLine(output, 'WORKER_CONCURRENCY must be a whole number');
    }
  });

  it('an invalid catalog reports every problem at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-catalog-'));
    const file = join(dir, 'catalog.yml');
    writeFileSync(file, 'project: ./missing\ninventories: {}\ntemplates:\n  x: { playbook: nope.yml, inventories: [ghost] }\n');
    const { code, output } = await runNode('dist/apps/api/main.js', { ...env.env, SLIPWAY_CATALOG: file });
    expect(code).toBe(1);
    expect(output).toContain(`catalog ${file} is invalid`);
    expect(output).toContain('project');
    expect(output).toContain('ghost');
    expect(output).not.toMatch(/^\s+at /m);
  });

  it('a missing ansible-playbook says how to get it', async () => {
    const { code, output } = await runNode('dist/apps/worker/main.js', { ...env.env, ANSIBLE_PLAYBOOK_BIN: 'no-such-ansible-playbook' });
    expect(code).toBe(1);
    expectOneLine(output, 'no-such-ansible-playbook not found', 'apt-get install ansible-core');
  });

  it('an unreachable database says what is missing', async () => {
    const port = await freePort(); // nothing listens there
    const { code, output } = await runNode('dist/apps/api/main.js', {
      ...env.env,
      DATABASE_URL: `mysql://root@127.0.0.1:${port}/slipway_nowhere`,
    });
    expect(code).toBe(1);
    expectOneLine(output, 'ECONNREFUSED', 'MariaDB');
  });
});
