import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnsibleInvocation, buildAnsibleArgv } from './argv.js';
import { loadCatalog } from './catalog.loader.js';
import { mergeExtraVars } from './catalog.vars.js';
import { removeExtraVarsFile, writeExtraVarsFile } from './extra-vars-file.js';
import { parsePlayRecap } from './recap.js';

// Runs the real ansible-playbook against the example catalog (localhost, connection: local).
const BIN = '/usr/bin/ansible-playbook';
const catalog = loadCatalog(fileURLToPath(new URL('../../../examples/catalog.yml', import.meta.url)));
const uid = os.userInfo().uid;

async function runTemplate(
  name: string,
  vars: Record<string, unknown>,
  options: Partial<AnsibleInvocation> & { cwd?: string } = {},
): Promise<{ exitCode: number | undefined; output: string }> {
  const template = catalog.templates[name];
  if (!template) throw new Error(`no template ${name}`);
  const extraVarsFile = await writeExtraVarsFile(mergeExtraVars(template, vars));
  try {
    const argv = buildAnsibleArgv({
      inventoryPath: catalog.inventories.local ?? '',
      playbookPath: template.playbookPath,
      extraVarsFile,
      ...options,
    });
    const result = await execa(BIN, argv, {
      cwd: options.cwd ?? catalog.projectDir,
      all: true,
      reject: false,
      stdin: 'ignore',
      env: { PYTHONUNBUFFERED: '1', ANSIBLE_FORCE_COLOR: '0' },
    });
    return { exitCode: result.exitCode, output: result.all };
  } finally {
    await removeExtraVarsFile(extraVarsFile);
  }
}

describe.skipIf(!existsSync(BIN))('real ansible-playbook', () => {
  it('passes shell metacharacters through literally without running anything', async () => {
    const greeting = `"; touch /tmp/pwned-$(id -u) \`x\` 'q'`;
    const pwned = `/tmp/pwned-${uid}`;
    rmSync(pwned, { force: true });

    const { exitCode, output } = await runTemplate('hello', { greeting });

    expect(exitCode).toBe(0);
    expect(output).toContain(greeting);
    expect(existsSync(pwned)).toBe(false);
    expect(existsSync('/tmp/pwned-$(id -u)')).toBe(false);
    expect(parsePlayRecap(output)).toEqual({
      localhost: { ok: 2, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 },
    });
  });

  it('does not render Jinja in extra vars (no command runs on the controller)', async () => {
    const marker = path.join(os.tmpdir(), `slipway-jinja-${process.pid}`);
    const greeting = `{{ lookup('pipe', 'touch ${marker}') }}`;

    const { exitCode, output } = await runTemplate('hello', { greeting });

    expect(exitCode).toBe(0);
    expect(output).toContain(`greeting=${greeting}`);
    expect(existsSync(marker)).toBe(false);
  });

  describe('extra vars round trip', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'slipway-roundtrip-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reach the playbook exactly as given', async () => {
      const payload = {
        quotes: `"double" 'single'`,
        shell: '$(id) `id`; rm -rf / && echo',
        jinja: '{{ 7 * 7 }} {% if true %}x{% endif %}',
        lines: 'a\nb\r\nc',
        dash: '-e @/etc/passwd',
        unicode: 'ünï 😀 \u0085 \u2028 \u007f \u0001 \t',
        nested: { list: ['{{ x }}', 1, 2.5, 1e21, 1e-7, true, null], '{{ key }}': 'v', deeper: { a: [[{ b: 'c' }]] } },
        empty: { list: [], map: {}, text: '' },
      };
      const playbook = path.join(dir, 'dump.yml');
      const out = path.join(dir, 'out.json');
      writeFileSync(
        playbook,
        [
          '- hosts: all',
          '  gather_facts: false',
          '  tasks:',
          '    - ansible.builtin.copy:',
          '        content: "{{ payload | to_json }}"',
          `        dest: ${out}`,
        ].join('\n'),
      );
      const extraVarsFile = await writeExtraVarsFile({ payload });
      try {
        const argv = buildAnsibleArgv({ inventoryPath: catalog.inventories.local ?? '', playbookPath: playbook, extraVarsFile });
        const result = await execa(BIN, argv, { cwd: dir, all: true, reject: false, stdin: 'ignore' });
        expect(result.exitCode, result.all).toBe(0);
      } finally {
        await removeExtraVarsFile(extraVarsFile);
      }
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(payload);
    });
  });

  it('exits 2 when a task fails', async () => {
    const { exitCode, output } = await runTemplate('fail', {});
    expect(exitCode).toBe(2);
    expect(parsePlayRecap(output).localhost?.failed).toBe(1);
  });

  it('prints one progress line per second for deploy-sim', async () => {
    const { exitCode, output } = await runTemplate('deploy-sim', { seconds: 2 });
    expect(exitCode).toBe(0);
    expect(output).toMatch(/progress 1\/2[\s\S]*progress 2\/2/);
  });
});
