import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CatalogError } from './catalog.error.js';
import { loadCatalog as loadWithAnsible } from './catalog.loader.js';
import type { InventoryReader } from './inventory-names.js';

/** Unit tier: a fake `ansible-inventory` (the real one reads the example catalog in catalog.loader.e2e-spec.ts). */
const fakeInventory: InventoryReader = (paths) => paths.map(() => ({ hosts: ['localhost', 'web1'], groups: ['all', 'ungrouped', 'web'] }));
const loadCatalog = (file: string) => loadWithAnsible(file, { readInventory: fakeInventory });

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
  it('a template or inventory named after an Object.prototype member is not found (issue 20, item 3)', () => {
    const catalog = loadCatalog(writeCatalog(VALID));
    for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'valueOf']) {
      expect(catalog.templates[name], name).toBeUndefined();
      expect(catalog.inventories[name], name).toBeUndefined();
      expect(catalog.inventoryNames[name], name).toBeUndefined();
      expect(name in catalog.templates, name).toBe(false);
      expect(name in catalog.inventories, name).toBe(false);
    }
  });

  it('resolves paths and applies defaults', () => {
    const file = writeCatalog(VALID);
    const catalog = loadCatalog(file);
    const projectDir = path.join(root, 'playbooks');
    expect(catalog).toEqual({
      file,
      projectDir,
      inventories: { local: path.join(projectDir, 'inventories', 'local.ini') },
      inventoryNames: { local: { hosts: ['localhost', 'web1'], groups: ['all', 'ungrouped', 'web'] } },
      templates: {
        hello: {
          name: 'hello',
          playbook: 'hello.yml',
          playbookPath: path.join(projectDir, 'hello.yml'),
          inventories: ['local'],
          timeoutSeconds: 3600,
          extraVars: {},
          secretVars: [],
          vars: {},
          openVars: false,
          refOverride: false,
          checkMode: false,
          limit: 'any',
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

describe('loadCatalog: typed vars', () => {
  const withVars = (vars: string, extra = '') => `${VALID}    vars:\n${vars}${extra}`;

  it('loads the issue 10 example exactly, with defaults, bounds and the env default recorded', () => {
    const catalog = loadCatalog(
      writeCatalog(
        withVars(`      version:  { type: string, required: true, pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$', description: Release to deploy }
      canary:   { type: integer, default: 10, min: 0, max: 100 }
      rollout: { type: string, enum: [rolling, blue-green], default: rolling }
      announce: { type: boolean, default: true }
      hosts_per_batch: { type: integer, default: 5, min: 1 }
      db_password: { type: string, secret: true, default: { env: DEPLOY_DB_PASSWORD } }
      tags_to_run: { type: list, items: { pattern: '[a-z]+', maxLength: 20 }, minItems: 1, maxItems: 3, default: [web] }
      ratio: { type: number, min: 0.5, max: 1.5, default: 1 }
`, '    openVars: false\n'),
      ),
    );
    const hello = catalog.templates.hello;
    expect(hello.openVars).toBe(false);
    expect(hello.secretVars).toEqual(['db_password']);
    expect(hello.extraVars).toEqual({ canary: 10, rollout: 'rolling', announce: true, hosts_per_batch: 5, tags_to_run: ['web'], ratio: 1 });
    expect(hello.vars.version).toEqual({
      name: 'version', type: 'string', required: true, secret: false, description: 'Release to deploy',
      pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$', maxLength: 4096,
    });
    expect(hello.vars.db_password).toMatchObject({ secret: true, defaultFromEnv: 'DEPLOY_DB_PASSWORD' });
    expect(hello.vars.db_password).not.toHaveProperty('default');
    expect(hello.vars.tags_to_run).toMatchObject({ type: 'list', items: { pattern: '[a-z]+', maxLength: 20 }, minItems: 1, maxItems: 3 });
  });

  it('keeps the legacy extraVars map (untyped vars) and secretVars list working', () => {
    const hello = loadCatalog(writeCatalog(`${VALID}    extraVars: { greeting: hi }\n    secretVars: [token]\n`)).templates.hello;
    expect(hello.vars).toEqual({
      greeting: { name: 'greeting', required: false, default: 'hi', secret: false },
      token: { name: 'token', required: false, secret: true },
    });
    expect(hello.extraVars).toEqual({ greeting: 'hi' });
    expect(hello.secretVars).toEqual(['token']);
  });

  it.each([
    ['missing type', '      a: { default: 1 }\n', 'templates.hello.vars.a.type: required (one of string, integer, number, boolean, list)'],
    ['unknown type', '      a: { type: float }\n', 'templates.hello.vars.a.type: must be one of string, integer, number, boolean, list'],
    ['unknown key', '      a: { type: string, regex: x }\n', 'templates.hello.vars.a.regex: unknown key'],
    ['default of the wrong type', '      a: { type: integer, default: ten }\n', 'templates.hello.vars.a.default: must be a whole number (type integer)'],
    ['default below min', '      a: { type: integer, min: 1, default: 0 }\n', 'templates.hello.vars.a.default: must be at least 1 (min)'],
    ['default above max', '      a: { type: number, max: 1.5, default: 2 }\n', 'templates.hello.vars.a.default: must be at most 1.5 (max)'],
    ['min above max', '      a: { type: integer, min: 5, max: 1 }\n', 'templates.hello.vars.a.max: must not be below min (5)'],
    ['fractional bound on an integer', '      a: { type: integer, max: 1.5 }\n', 'templates.hello.vars.a.max: must be a whole number'],
    ['default not in enum', '      a: { type: string, enum: [x, y], default: z }\n', 'templates.hello.vars.a.default: must be one of "x", "y" (enum)'],
    ['enum of the wrong type', '      a: { type: integer, enum: [1, two] }\n', 'templates.hello.vars.a.enum[1]: must be a whole number (type integer)'],
    ['empty enum', '      a: { type: string, enum: [] }\n', 'templates.hello.vars.a.enum: must be a non-empty list of allowed values'],
    ['duplicate enum value', '      a: { type: string, enum: [x, x] }\n', 'templates.hello.vars.a.enum[1]: duplicate value'],
    ['enum on a boolean', '      a: { type: boolean, enum: [true] }\n', 'templates.hello.vars.a.enum: applies to string, integer, number vars only'],
    ['pattern on an integer', '      a: { type: integer, pattern: x }\n', 'templates.hello.vars.a.pattern: applies to string vars only'],
    ['pattern that does not compile', "      a: { type: string, pattern: '([a-z' }\n", expect.stringMatching(/^templates\.hello\.vars\.a\.pattern: not a valid regular expression/)],
    ['default not matching the pattern', "      a: { type: string, pattern: '[0-9]+', default: 12a }\n", 'templates.hello.vars.a.default: must match ^(?:[0-9]+)$ (pattern)'],
    ['maxLength over the cap', '      a: { type: string, maxLength: 100000 }\n', 'templates.hello.vars.a.maxLength: must be a whole number from 0 to 65536'],
    ['minLength above maxLength', '      a: { type: string, minLength: 5, maxLength: 2 }\n', 'templates.hello.vars.a.maxLength: must not be below minLength (5)'],
    ['default longer than the default cap', `      a: { type: string, default: ${'x'.repeat(4097)} }\n`, 'templates.hello.vars.a.default: must be at most 4096 characters (maxLength)'],
    ['list default with a bad item', "      a: { type: list, items: { pattern: '[a-z]+' }, default: [ok, 'NO'] }\n", 'templates.hello.vars.a.default: item 1 must match ^(?:[a-z]+)$ (items.pattern)'],
    ['list default with too many items', '      a: { type: list, maxItems: 1, default: [a, b] }\n', 'templates.hello.vars.a.default: must have at most 1 items (maxItems)'],
    ['maxItems over the cap', '      a: { type: list, maxItems: 5000 }\n', 'templates.hello.vars.a.maxItems: must be a whole number from 0 to 1000'],
    ['required with a default', '      a: { type: string, required: true, default: x }\n', 'templates.hello.vars.a.required: a required var cannot have a default (the default would never apply)'],
    ['env default on a non-secret', '      a: { type: string, default: { env: HOME } }\n', 'templates.hello.vars.a.default: { env: NAME } is for secret vars only (add secret: true)'],
    ['env default naming a Slipway setting', '      a: { type: string, secret: true, default: { env: DATABASE_URL } }\n', "templates.hello.vars.a.default.env: DATABASE_URL is Slipway's own setting and is never handed to a playbook"],
    ['required that is not a boolean', '      a: { type: string, required: yes please }\n', 'templates.hello.vars.a.required: must be true or false'],
  ])('reports %s', (_name, vars, problem) => {
    expect(problemsOf(withVars(vars))).toEqual([problem]);
  });

  it('reports a var declared both under vars and in the legacy extraVars map', () => {
    expect(problemsOf(withVars('      a: { type: string }\n', '    extraVars: { a: 1 }\n'))).toEqual([
      'templates.hello.extraVars.a: also declared under vars (declare it once)',
    ]);
  });

  it('reports openVars that is not a boolean', () => {
    expect(problemsOf(`${VALID}    openVars: yes please\n`)).toEqual(['templates.hello.openVars: must be true or false']);
  });

  it('allows check mode only where the template says checkMode: true', () => {
    expect(loadCatalog(writeCatalog(`${VALID}    checkMode: true\n`)).templates.hello.checkMode).toBe(true);
    expect(loadCatalog(writeCatalog(`${VALID}    checkMode: false\n`)).templates.hello.checkMode).toBe(false);
    expect(loadCatalog(writeCatalog(VALID)).templates.hello.checkMode).toBe(false);
  });

  it.each(['yes', '1', '"true"'])('reports checkMode %s (not a boolean)', (value) => {
    expect(problemsOf(`${VALID}    checkMode: ${value}\n`)).toEqual(['templates.hello.checkMode: must be true or false']);
  });
});

describe('loadCatalog: reserved names and attack payloads as defaults', () => {
  it.each([
    'ansible_python_interpreter', 'ansible_shell_executable', 'ansible_become_exe', 'ansible_ssh_common_args', 'ansible_remote_tmp',
    'ANSIBLE_CONNECTION', '_ansible_no_log', 'hostvars', 'groups', 'group_names', 'inventory_hostname', 'inventory_hostname_short',
    'inventory_dir', 'inventory_file', 'playbook_dir', 'play_hosts', 'role_path', 'omit', 'environment', 'vars', 'become_user',
    'connection', '__proto__', 'constructor', 'prototype', '__class__',
  ])('refuses %s as a typed var, a legacy default and a secret var', (name) => {
    const problems = problemsOf(`${VALID}    vars:\n      "${name}": { type: string, default: x }\n    extraVars: { "${name}": "/bin/sh -c id #" }\n    secretVars: ["${name}"]\n`);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(new RegExp(`^templates\\.hello\\.vars\\.${name.replace(/\W/g, '\\$&')}: reserved name`));
    expect(problems[1]).toMatch(new RegExp(`^templates\\.hello\\.extraVars\\.${name.replace(/\W/g, '\\$&')}: reserved name`));
    expect(problems[2]).toMatch(/^templates\.hello\.secretVars\[0\]: reserved name/);
  });

  it.each(['1st', 'a-b', 'a.b', 'a b', "{{ lookup('pipe', 'id') }}", ''])('refuses the malformed name %j', (name) => {
    expect(problemsOf(`${VALID}    extraVars: { ${JSON.stringify(name)}: 1 }\n`)).toEqual([
      expect.stringMatching(/: invalid name \(letters, digits and "_", not starting with a digit/),
    ]);
  });

  it('refuses a legacy default nested too deep or with a prototype key', () => {
    const deep = `${'['.repeat(20)}1${']'.repeat(20)}`;
    expect(problemsOf(`${VALID}    extraVars: { deep: ${deep}, obj: { a: { constructor: 1 } } }\n`)).toEqual([
      'templates.hello.extraVars.deep: must not nest lists or mappings more than 16 deep (depth)',
      'templates.hello.extraVars.obj: must not contain the key "constructor" (reserved key)',
    ]);
  });
});

describe('loadCatalog: host limit policy and inventories', () => {
  it('accepts any (default), none, and a list of hosts, groups and wildcards', () => {
    expect(loadCatalog(writeCatalog(VALID)).templates.hello?.limit).toBe('any');
    expect(loadCatalog(writeCatalog(`${VALID}    limit: none\n`)).templates.hello?.limit).toBe('none');
    expect(loadCatalog(writeCatalog(`${VALID}    limit: [web1, web, '!web1', 'web*']\n`)).templates.hello?.limit).toEqual(['web1', 'web', '!web1', 'web*']);
  });

  it('reports list patterns that are unknown, read a file, look like options or hold two patterns', () => {
    expect(problemsOf(`${VALID}    limit: [db9, '@/etc/passwd', '-i', 'a,b', '']\n`)).toEqual([
      'templates.hello.limit[0]: "db9" is not a host or group of local',
      'templates.hello.limit[1]: must not start with "@" or "-"',
      'templates.hello.limit[2]: must not start with "@" or "-"',
      'templates.hello.limit[3]: one pattern per item (no ",", ":" or blanks)',
      'templates.hello.limit[4]: must be a non-empty string',
    ]);
    expect(problemsOf(`${VALID}    limit: everything\n`)).toEqual(['templates.hello.limit: must be any, none, or a non-empty list of host patterns']);
  });

  it('says once, in one line, that ansible-inventory is missing', () => {
    const missing: InventoryReader = (paths) => paths.map(() => ({ problem: 'ansible-inventory not found on PATH (install ansible-core: apt-get install ansible-core)' }));
    writeFileSync(path.join(root, 'playbooks', 'inventories', 'prod.ini'), 'web1\n');
    const file = writeCatalog(VALID.replace('  local: inventories/local.ini', '  local: inventories/local.ini\n  prod: inventories/prod.ini'));
    expect(() => loadWithAnsible(file, { readInventory: missing })).toThrow(
      `catalog ${file} is invalid:\n - inventories: ansible-inventory not found on PATH (install ansible-core: apt-get install ansible-core)`,
    );
  });

  it('says so in one line when the real ansible-inventory is not on PATH', () => {
    const savedPath = process.env.PATH;
    process.env.PATH = path.join(root, 'empty-bin');
    try {
      expect(() => loadWithAnsible(writeCatalog(VALID))).toThrow(/\n - inventories: ansible-inventory not found on PATH \(install ansible-core: apt-get install ansible-core\)$/);
    } finally {
      process.env.PATH = savedPath;
    }
  });

  it('runs ansible-inventory once per inventory file, argv only, with none of the service\'s environment', () => {
    const bin = path.join(root, 'bin');
    const calls = path.join(root, 'calls.log');
    mkdirSync(bin);
    writeFileSync(
      path.join(bin, 'ansible-inventory'),
      `#!/bin/sh\necho "argv: $*" >> ${calls}\nenv | sed 's/^/env: /' >> ${calls}\n` +
        `echo '{"_meta": {"hostvars": {"h1": {}}}, "all": {"children": ["ungrouped"]}, "ungrouped": {"hosts": ["h1"]}}'\n`,
      { mode: 0o755 },
    );
    const saved = { PATH: process.env.PATH, DATABASE_URL: process.env.DATABASE_URL, SLIPWAY_BOOTSTRAP_TOKEN: process.env.SLIPWAY_BOOTSTRAP_TOKEN };
    Object.assign(process.env, { PATH: `${bin}:${saved.PATH}`, DATABASE_URL: 'mysql://leak', SLIPWAY_BOOTSTRAP_TOKEN: 'leak' });
    try {
      const file = writeCatalog(VALID.replace('  local: inventories/local.ini', ['a', 'b', 'c'].map((n) => `  ${n}: inventories/local.ini`).join('\n')));
      const catalog = loadWithAnsible(file);
      expect(catalog.inventoryNames.b).toEqual({ hosts: ['h1'], groups: ['all', 'ungrouped'] });
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    const log = readFileSync(calls, 'utf8');
    expect(log.match(/^argv: /gm)).toHaveLength(1);
    expect(log).toContain(`argv: -i ${path.join(root, 'playbooks', 'inventories', 'local.ini')} --list`);
    expect(log).not.toContain('leak');
    expect(log).not.toMatch(/^env: (DATABASE_URL|REDIS_URL|SLIPWAY_|NODE_OPTIONS)/m);
  });

  it('reports an inventory ansible-inventory cannot read, naming it', () => {
    const broken: InventoryReader = (paths) => paths.map(() => ({ problem: 'ansible-inventory could not read it: [WARNING]: Unable to parse' }));
    expect(() => loadWithAnsible(writeCatalog(VALID), { readInventory: broken })).toThrow(
      'inventories.local: ansible-inventory could not read it: [WARNING]: Unable to parse',
    );
  });
});
