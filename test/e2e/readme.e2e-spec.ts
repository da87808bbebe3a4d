import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, type ServiceProcess, startApi, startWorker } from '../support/processes.js';
import { REPO_ROOT, type TestEnv, createTestEnv, queryDb } from '../support/test-env.js';

/**
 * The README's "Quick start" and "Try it" run as written, in order, in one shell, against a started Slipway.
 *
 * Convention for the README's ```sh blocks in those sections (an HTML comment on the line before the fence):
 * - no comment: the block runs;
 * - `<!-- readme-test: skip (why) -->`: not run (it starts a long-running server, or the whole suite);
 * - `<!-- readme-test: env (why) -->`: not run; it may only `export` variables this test sets itself
 *   (PROVIDED below: where the API is and the admin token `npm start` prints), so no later block can rely
 *   on anything else from it.
 */
const PROVIDED = ['SLIPWAY_URL', 'ADMIN_TOKEN'];
const RUN_SECTIONS = ['Quick start', 'Try it'];
const README = readFileSync(resolve(REPO_ROOT, 'README.md'), 'utf8');

interface ShellBlock {
  section: string;
  line: number;
  mark: 'run' | 'skip' | 'env';
  code: string;
}

/** The ```sh blocks of a `## ` section (with its `###` subsections), with their readme-test mark. */
function shellBlocks(markdown: string, section: string): ShellBlock[] {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l === `## ${section}`);
  if (start < 0) throw new Error(`README has no "## ${section}" section`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  const blocks: ShellBlock[] = [];
  for (let i = start + 1; i < (end < 0 ? lines.length : end); i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i])) continue;
    let before = i - 1;
    while (before > start && lines[before].trim() === '') before--;
    const mark = /<!-- readme-test: (skip|env)\b/.exec(lines[before])?.[1] as 'skip' | 'env' | undefined;
    const close = lines.findIndex((l, j) => j > i && l.startsWith('```'));
    blocks.push({ section, line: i + 1, mark: mark ?? 'run', code: lines.slice(i + 1, close).join('\n') });
    i = close;
  }
  return blocks;
}

function bash(script: string, env: Record<string, string>, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const child = spawn('bash', ['-c', script], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((done) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, output });
    }),
  );
}

describe('README', () => {
  const blocks = RUN_SECTIONS.flatMap((section) => shellBlocks(README, section));

  it('has a Quick start before the reference sections', () => {
    const headings = README.split('\n').filter((l) => l.startsWith('## '));
    expect(headings[0]).toBe('## Quick start');
    expect(blocks.filter((b) => b.mark === 'run').length).toBeGreaterThan(3);
  });

  it('env blocks only set what the test provides', () => {
    for (const block of blocks.filter((b) => b.mark === 'env')) {
      for (const line of block.code.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'))) {
        const name = /^export (\w+)=\S+$/.exec(line.trim())?.[1];
        expect(name && PROVIDED.includes(name), `README.md:${block.line}: "${line}" sets something the test does not provide`).toBe(true);
      }
    }
  });

  it('links only to files inside the repository, and those exist', () => {
    const markdownFiles = ['README.md', ...readdirSync(resolve(REPO_ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    for (const file of markdownFiles) {
      const text = readFileSync(resolve(REPO_ROOT, file), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (target.startsWith('#')) continue; // a heading in the same file
        expect(target, `${file}: link ${target} leaves the repository`).not.toMatch(/^[a-z]+:/i);
        const path = resolve(REPO_ROOT, dirname(file), target.split('#')[0]);
        expect(relative(REPO_ROOT, path).startsWith('..'), `${file}: link ${target} leaves the repository`).toBe(false);
        expect(existsSync(path), `${file}: link ${target} points at nothing`).toBe(true);
      }
      expect(text, `${file} points outside the repository`).not.toMatch(/\.\.\/shared\//);
    }
  });

  describe('Quick start and Try it, run as written in one shell', () => {
    let env: TestEnv;
    let api: RunningApi;
    let worker: ServiceProcess;
    beforeAll(async () => {
      env = await createTestEnv('readme');
      api = await startApi(env.env);
      worker = await startWorker(env.env);
    });
    afterAll(async () => {
      await Promise.all([worker?.stop(), api?.stop()]);
      await env?.cleanup();
    });

    it('every block succeeds, in order, and the releases they start succeed', async () => {
      const script = [
        'set -euo pipefail',
        ...blocks.filter((b) => b.mark === 'run').map((b) => `echo "### README.md:${b.line} (${b.section})" >&2\n${b.code}`),
      ].join('\n');
      // A newcomer's shell: nothing of the suite's but where the API is and the admin token it printed.
      const shellEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root', SLIPWAY_URL: api.url, ADMIN_TOKEN: env.bootstrapToken };
      const { code, output } = await bash(script, shellEnv, 300_000);
      expect(code, output).toBe(0);
      expect(output).toContain('PLAY RECAP');
      expect(output).toContain('greeting=hello from curl');
      const releases = await queryDb<{ id: number; template: string; status: string }>(env.databaseUrl, 'SELECT id, template, status FROM releases ORDER BY id');
      expect(releases.map((r) => r.template)).toEqual(['hello', 'deploy-web', 'hello']);
      // The curl release may still be finishing after its event stream ended; the others were waited for.
      expect(releases.slice(0, 2).map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    });
  });
});
