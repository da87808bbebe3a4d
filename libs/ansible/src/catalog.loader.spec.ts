import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CatalogError } from './catalog.error.js';
import { loadCatalog } from './catalog.loader.js';

const EXAMPLE_CATALOG = fileURLToPath(new URL('../../../examples/catalog.yml', import.meta.url));

const VALID = `
project: ./playbooks
inventories:
  local: inventories/local.ini
templates:
  hello:
    playbook: hello.yml
`;

let root: string;

/** A temp dir holding a valid project (playbooks/hello.yml, playbooks/inventories/local.ini). */
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'slipway-catalog-spec-'));
  mkdirSync(path.join(root, 'playbooks', 'inventories'), { recursive: true });
  writeFileSync(path.join(root, 'playbooks', 'hello.yml'), '- hosts: all\n  tasks: []\n');
  writeFileSync(path.join(root, 'playbooks', 'inventories', 'local.ini'), 'localhost\n');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function writeCatalog(text: string): string {
  const file = path.join(root, 'catalog.yml');
  writeFileSync(file, text);
  return file;
}

function problemsOf(text: string): string[] {
  const file = writeCatalog(text);
  try {
    loadCatalog(file);
  } catch (err) {
    if (err instanceof CatalogError) return err.problems;
    throw err;
  }
  throw new Error('expected the catalog to be invalid');
}

describe('loadCatalog: valid catalogs', () => {
  it('resolves paths and applies defaults', () => {
    const file = writeCatalog(VALID);
    const catalog = loadCatalog(file);
    const projectDir = path.join(root, 'playbooks');
    expect(catalog).toEqual({
      file,
      projectDir,
      inventories: { local: path.join(projectDir, 'inventories', 'local.ini') },
      templates: {
        hello: {
          name: 'hello',
          playbook: 'hello.yml',
          playbookPath: path.join(projectDir, 'hello.yml'),
          inventories: ['local'],
          timeoutSeconds: 3600,
          extraVars: {},
          secretVars: [],
          lock: '{template}:{inventory}',
        },
      },
    });
  });

  it('keeps explicit settings, with the listed inventories in order', () => {
    writeFileSync(path.join(root, 'playbooks', 'inventories', 'prod.ini'), 'web1\n');
    const catalog = loadCatalog(
      writeCatalog(`
project: playbooks
inventories:
  local: inventories/local.ini
  prod: inventories/prod.ini
templates:
  hello:
    description: Says hi
    playbook: ./sub/../hello.yml
    inventories: [prod, local]
    timeout: 600
    extraVars: { greeting: hi, nested: { a: 1 } }
    secretVars: [db_password]
    lock: "deploy-{inventory}"
`),
    );
    expect(catalog.templates.hello).toMatchObject({
      description: 'Says hi',
      playbookPath: path.join(root, 'playbooks', 'hello.yml'),
      inventories: ['prod', 'local'],
      timeoutSeconds: 600,
      extraVars: { greeting: 'hi', nested: { a: 1 } },
      secretVars: ['db_password'],
      lock: 'deploy-{inventory}',
    });
  });

  it('defaults template inventories to all inventories in catalog order', () => {
    writeFileSync(path.join(root, 'playbooks', 'inventories', 'prod.ini'), 'web1\n');
    const catalog = loadCatalog(
      writeCatalog(VALID.replace('  local: inventories/local.ini', '  prod: inventories/prod.ini\n  local: inventories/local.ini')),
    );
    expect(catalog.templates.hello?.inventories).toEqual(['prod', 'local']);
  });

  it('accepts symlinks that stay inside the project', () => {
    symlinkSync(path.join(root, 'playbooks', 'hello.yml'), path.join(root, 'playbooks', 'alias.yml'));
    const catalog = loadCatalog(writeCatalog(VALID.replace('hello.yml', 'alias.yml')));
    expect(catalog.templates.hello?.playbookPath).toBe(path.join(root, 'playbooks', 'alias.yml'));
  });

  it('loads the example catalog', () => {
    const catalog = loadCatalog(EXAMPLE_CATALOG);
    expect(Object.keys(catalog.templates)).toEqual(['hello', 'deploy-sim', 'fail', 'log-flood', 'vault-demo']);
    expect(catalog.templates['deploy-sim']?.extraVars).toEqual({ seconds: 30 });
    expect(catalog.templates['vault-demo']?.credentials).toEqual({ vaultPassword: { env: 'SLIPWAY_EXAMPLE_VAULT_PASSWORD' } });
  });
});


describe('loadCatalog: each problem', () => {
  it('reports a missing file', () => {
    const file = path.join(root, 'nope.yml');
    expect(() => loadCatalog(file)).toThrow(`catalog ${file} is invalid:\n - file not found: ${file}`);
  });

  it('reports an unreadable file (a directory)', () => {
    expect(() => loadCatalog(root)).toThrow(/cannot read file/);
  });

  it('reports invalid YAML', () => {
    expect(problemsOf('project: [unclosed\n')).toEqual([expect.stringMatching(/^not valid YAML: /)]);
  });

  it('reports a top level that is not a mapping', () => {
    expect(problemsOf('- a\n- b\n')).toEqual(['top level must be a mapping']);
    expect(problemsOf('')).toEqual(['top level must be a mapping']);
  });

  it('reports a missing project', () => {
    expect(problemsOf(VALID.replace('project: ./playbooks', ''))).toContain('project: required');
  });

  it('reports a missing project dir', () => {
    expect(problemsOf(VALID.replace('./playbooks', './gone'))).toEqual([
      `project: directory not found: ${path.join(root, 'gone')}`,
    ]);
  });

  it('reports unknown top-level keys', () => {
    expect(problemsOf(`${VALID}extra: 1\n`)).toEqual(['extra: unknown key']);
  });

  it('reports unknown template keys', () => {
    expect(problemsOf(`${VALID}    timout: 5\n`)).toEqual(['templates.hello.timout: unknown key']);
  });

  it('reports a missing inventory file', () => {
    expect(problemsOf(VALID.replace('local.ini', 'gone.ini'))).toEqual([
      `inventories.local: file not found: ${path.join(root, 'playbooks', 'inventories', 'gone.ini')}`,
    ]);
  });

  it('reports empty inventories', () => {
    expect(problemsOf(VALID.replace('  local: inventories/local.ini', '  {}').replace('inventories:\n', 'inventories:'))).toContain(
      'inventories: must define at least one inventory',
    );
    expect(problemsOf(`${VALID}    inventories: []\n`)).toEqual(['templates.hello.inventories: must not be empty']);
  });

  it('reports a missing playbook', () => {
    expect(problemsOf(VALID.replace('hello.yml', 'gone.yml'))).toEqual([
      `templates.hello.playbook: file not found: ${path.join(root, 'playbooks', 'gone.yml')}`,
    ]);
  });

  it('reports a playbook escaping the project with ..', () => {
    writeFileSync(path.join(root, 'outside.yml'), '[]\n');
    expect(problemsOf(VALID.replace('hello.yml', '../outside.yml'))).toEqual([
      `templates.hello.playbook: path escapes project: ${path.join(root, 'outside.yml')}`,
    ]);
  });

  it('reports an absolute playbook path outside the project', () => {
    expect(problemsOf(VALID.replace('hello.yml', '/etc/hostname'))).toEqual([
      'templates.hello.playbook: path escapes project: /etc/hostname',
    ]);
  });

  it('reports a playbook escaping the project through a symlink', () => {
    writeFileSync(path.join(root, 'outside.yml'), '[]\n');
    symlinkSync(path.join(root, 'outside.yml'), path.join(root, 'playbooks', 'sneaky.yml'));
    expect(problemsOf(VALID.replace('hello.yml', 'sneaky.yml'))).toEqual([
      expect.stringMatching(/^templates\.hello\.playbook: path escapes project via symlink: /),
    ]);
  });

  it('reports an inventory escaping the project through a symlinked dir', () => {
    mkdirSync(path.join(root, 'elsewhere'));
    writeFileSync(path.join(root, 'elsewhere', 'local.ini'), 'localhost\n');
    symlinkSync(path.join(root, 'elsewhere'), path.join(root, 'playbooks', 'linked'));
    expect(problemsOf(VALID.replace('inventories/local.ini', 'linked/local.ini'))).toEqual([
      expect.stringMatching(/^inventories\.local: path escapes project via symlink: /),
    ]);
  });

  it('reports template inventories naming an unknown inventory', () => {
    expect(problemsOf(`${VALID}    inventories: [local, prod]\n`)).toEqual([
      'templates.hello.inventories[1]: unknown inventory "prod"',
    ]);
  });

  it.each([0, -5, 1.5, "600", null])('reports a bad timeout: %j', (timeout) => {
    expect(problemsOf(`${VALID}    timeout: ${JSON.stringify(timeout)}\n`)).toEqual([
      `templates.hello.timeout: must be a positive integer number of seconds, got ${JSON.stringify(timeout)}`,
    ]);
  });

  it.each(['[a, b]', '"text"', '3', 'null'])('reports extraVars that are not an object: %s', (extraVars) => {
    expect(problemsOf(`${VALID}    extraVars: ${extraVars}\n`)).toEqual([
      'templates.hello.extraVars: must be a mapping of variable name to value',
    ]);
  });

  it('reports a lock with an unknown placeholder', () => {
    expect(problemsOf(`${VALID}    lock: "{template}:{host}"\n`)).toEqual([
      'templates.hello.lock: unknown placeholder {host} (allowed: {template}, {inventory})',
    ]);
  });

  it('reports a lock with a stray brace', () => {
    expect(problemsOf(`${VALID}    lock: "{template:{inventory}"\n`)).toContain('templates.hello.lock: unbalanced "{" or "}"');
  });

  it.each(['-dash', '.dot', 'has space', 'ünï'])('reports an invalid template name: %s', (name) => {
    expect(problemsOf(VALID.replace('  hello:', `  "${name}":`))).toEqual([
      `templates.${name}: invalid template name (letters, digits, ".", "_", "-"; must start with a letter or digit)`,
    ]);
  });

  it('reports bad secretVars', () => {
    expect(problemsOf(`${VALID}    secretVars: [ok, 3]\n`)).toEqual(['templates.hello.secretVars[1]: must be a non-empty string']);
  });
});

describe('loadCatalog: all problems at once', () => {
  it('lists every problem in one error', () => {
    const file = writeCatalog(`
project: ./playbooks
inventories:
  local: inventories/local.ini
  broken: inventories/missing.ini
colour: blue
templates:
  hello:
    playbook: ../../escape.yml
    inventories: [local, nowhere]
    timeout: 0
    extraVars: [1]
    lock: "{who}"
    surprise: true
  "bad name":
    playbook: missing.yml
`);
    let error: unknown;
    try {
      loadCatalog(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CatalogError);
    const problems = (error as CatalogError).problems;
    expect(problems).toEqual([
      'colour: unknown key',
      `inventories.broken: file not found: ${path.join(root, 'playbooks', 'inventories', 'missing.ini')}`,
      'templates.hello.surprise: unknown key',
      `templates.hello.playbook: path escapes project: ${path.resolve(root, 'playbooks', '../../escape.yml')}`,
      'templates.hello.inventories[1]: unknown inventory "nowhere"',
      'templates.hello.timeout: must be a positive integer number of seconds, got 0',
      'templates.hello.extraVars: must be a mapping of variable name to value',
      'templates.hello.lock: unknown placeholder {who} (allowed: {template}, {inventory})',
      'templates.bad name: invalid template name (letters, digits, ".", "_", "-"; must start with a letter or digit)',
      `templates.bad name.playbook: file not found: ${path.join(root, 'playbooks', 'missing.yml')}`,
    ]);
    expect((error as CatalogError).message).toBe(`catalog ${file} is invalid:\n${problems.map((p) => ` - ${p}`).join('\n')}`);
  });
});

describe('loadCatalog: credentials (vault password, SSH key)', () => {
  it('reads them on a template and on an inventory given as { path, credentials }', () => {
    const catalog = loadCatalog(
      writeCatalog(`
project: ./playbooks
inventories:
  local:
    path: inventories/local.ini
    credentials: { sshKey: { file: /etc/slipway/key } }
templates:
  hello:
    playbook: hello.yml
    credentials:
      vaultPassword: { env: VAULT_PW }
`),
    );
    expect(catalog.inventories.local).toBe(path.join(root, 'playbooks', 'inventories', 'local.ini'));
    expect(catalog.inventoryCredentials).toEqual({ local: { sshKey: { file: '/etc/slipway/key' } } });
    expect(catalog.templates.hello?.credentials).toEqual({ vaultPassword: { env: 'VAULT_PW' } });
  });

  it('reports bad credentials with where they are, all at once', () => {
    expect(
      problemsOf(`
project: ./playbooks
inventories:
  local: { path: inventories/local.ini, credentials: { sshKey: { file: key } }, extra: 1 }
templates:
  hello:
    playbook: hello.yml
    credentials: { vaultPassword: hunter2 }
`),
    ).toEqual([
      'inventories.local.extra: unknown key',
      'inventories.local.credentials.sshKey.file: must be an absolute path on the worker',
      'templates.hello.credentials.vaultPassword: must be { file: /absolute/path } or { env: VARIABLE_NAME }',
    ]);
  });
});
