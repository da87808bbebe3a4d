import { describe, expect, it } from 'vitest';
import { reservedNameProblem } from './reserved-names.js';
import { type VarsTemplate, toVarsJsonSchema, untypedValueProblem, validateReleaseVars, varValueProblem } from './vars-schema.js';
import type { VarSpec } from './vars-schema.types.js';

const spec = (s: Partial<VarSpec> & Pick<VarSpec, 'name'>): VarSpec => ({ required: false, secret: false, ...s });

/** Issue 10's deploy-web, as the loader builds it. */
const deployWeb: VarsTemplate = {
  name: 'deploy-web',
  openVars: false,
  vars: {
    version: spec({ name: 'version', type: 'string', required: true, pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$', maxLength: 4096, description: 'Release to deploy' }),
    canary: spec({ name: 'canary', type: 'integer', default: 10, min: 0, max: 100 }),
    rollout: spec({ name: 'rollout', type: 'string', enum: ['rolling', 'blue-green'], default: 'rolling', maxLength: 4096 }),
    announce: spec({ name: 'announce', type: 'boolean', default: true }),
    hosts_per_batch: spec({ name: 'hosts_per_batch', type: 'integer', default: 5, min: 1 }),
    db_password: spec({ name: 'db_password', type: 'string', secret: true, defaultFromEnv: 'DEPLOY_DB_PASSWORD', maxLength: 4096 }),
  },
};

describe('varValueProblem: each type and rule at its edge', () => {
  it.each<[string, Partial<VarSpec>, unknown, string | null]>([
    ['integer accepts a whole number', { type: 'integer' }, 3, null],
    ['integer refuses a fraction', { type: 'integer' }, 3.5, 'must be a whole number (type integer)'],
    ['integer refuses a numeric string', { type: 'integer' }, '3', 'must be a whole number (type integer)'],
    ['integer refuses beyond 2^53', { type: 'integer' }, 2 ** 53, 'must be a whole number (type integer)'],
    ['integer at min', { type: 'integer', min: 0 }, 0, null],
    ['integer below min', { type: 'integer', min: 0 }, -1, 'must be at least 0 (min)'],
    ['integer at max', { type: 'integer', max: 100 }, 100, null],
    ['integer above max', { type: 'integer', max: 100 }, 101, 'must be at most 100 (max)'],
    ['integer in enum', { type: 'integer', enum: [1, 2] }, 2, null],
    ['integer not in enum', { type: 'integer', enum: [1, 2] }, 3, 'must be one of 1, 2 (enum)'],
    ['number accepts a fraction', { type: 'number', min: 0.5, max: 1.5 }, 1.25, null],
    ['number at the lower edge', { type: 'number', min: 0.5 }, 0.5, null],
    ['number just below', { type: 'number', min: 0.5 }, 0.49, 'must be at least 0.5 (min)'],
    ['number refuses a string', { type: 'number' }, '1.0', 'must be a number (type number)'],
    ['number refuses null', { type: 'number' }, null, 'must be a number (type number)'],
    ['boolean accepts false', { type: 'boolean' }, false, null],
    ['boolean refuses "true"', { type: 'boolean' }, 'true', 'must be true or false (type boolean)'],
    ['boolean refuses 1', { type: 'boolean' }, 1, 'must be true or false (type boolean)'],
    ['string accepts', { type: 'string', maxLength: 5 }, 'abcde', null],
    ['string one over maxLength', { type: 'string', maxLength: 5 }, 'abcdef', 'must be at most 5 characters (maxLength)'],
    ['string at minLength', { type: 'string', minLength: 2 }, 'ab', null],
    ['string under minLength', { type: 'string', minLength: 2 }, 'a', 'must be at least 2 characters (minLength)'],
    ['string refuses a number', { type: 'string' }, 5, 'must be a string (type string)'],
    ['pattern matches the whole value', { type: 'string', pattern: '[0-9]+' }, '123', null],
    ['pattern is anchored: a prefix match is refused', { type: 'string', pattern: '[0-9]+' }, '123; rm -rf /', 'must match ^(?:[0-9]+)$ (pattern)'],
    ['pattern alternation is anchored as a whole', { type: 'string', pattern: 'a|b' }, 'ab', 'must match ^(?:a|b)$ (pattern)'],
    ['string enum accepts', { type: 'string', enum: ['rolling', 'blue-green'] }, 'blue-green', null],
    ['string enum refuses', { type: 'string', enum: ['rolling', 'blue-green'] }, 'canary', 'must be one of "rolling", "blue-green" (enum)'],
    ['list accepts strings', { type: 'list', maxItems: 2, items: { maxLength: 3 } }, ['a', 'b'], null],
    ['list refuses a string', { type: 'list' }, 'a,b', 'must be a list of strings (type list)'],
    ['list one over maxItems', { type: 'list', maxItems: 2 }, ['a', 'b', 'c'], 'must have at most 2 items (maxItems)'],
    ['list under minItems', { type: 'list', minItems: 1 }, [], 'must have at least 1 items (minItems)'],
    ['list refuses a non-string item', { type: 'list' }, ['a', 1], 'item 1 must be a string (type list)'],
    ['list item over maxLength', { type: 'list', items: { maxLength: 3 } }, ['abcd'], 'item 0 must be at most 3 characters (items.maxLength)'],
    ['list item against its pattern', { type: 'list', items: { maxLength: 10, pattern: '[a-z]+' } }, ['ok', 'NO'], 'item 1 must match ^(?:[a-z]+)$ (items.pattern)'],
  ])('%s', (_name, rules, value, expected) => {
    expect(varValueProblem(spec({ name: 'v', ...rules }), value)).toBe(expected);
  });

  it('never quotes the value (it may be a secret)', () => {
    const problem = varValueProblem(spec({ name: 'pw', type: 'string', pattern: '[a-z]+', secret: true }), 'Hunter2!');
    expect(problem).not.toContain('Hunter2');
  });

  it("never names a secret var's pattern or enum either: they can narrow down, or be, the secret", () => {
    const secret = (rules: Partial<VarSpec>) => spec({ name: 'pw', secret: true, ...rules });
    const pattern = varValueProblem(secret({ type: 'string', pattern: 'tok-4242[a-z]' }), 'other');
    expect(pattern).toBe('must match the pattern the catalog sets (pattern; not shown for a secret var)');
    const choice = varValueProblem(secret({ type: 'string', enum: ['tok-one', 'tok-two'] }), 'other');
    expect(choice).toBe('must be one of the values the catalog sets (enum; not shown for a secret var)');
    const item = varValueProblem(secret({ type: 'list', items: { maxLength: 20, pattern: 'tok-4242[a-z]' } }), ['x']);
    expect(item).toBe('item 0 must match the pattern the catalog sets (items.pattern; not shown for a secret var)');
    expect(varValueProblem(secret({ type: 'integer', enum: [4242] }), 1)).not.toContain('4242');
  });
});

describe('untypedValueProblem: any JSON, bounded', () => {
  const nested = (depth: number): unknown => JSON.parse(`${'['.repeat(depth)}1${']'.repeat(depth)}`);

  it('accepts nesting up to the limit and refuses one level more', () => {
    expect(untypedValueProblem(nested(16))).toBeNull();
    expect(untypedValueProblem(nested(17))).toBe('must not nest lists or mappings more than 16 deep (depth)');
  });

  it('refuses 100 000 levels without overflowing the stack', () => {
    expect(untypedValueProblem(nested(100_000))).toMatch(/\(depth\)$/);
  });

  it('refuses prototype keys at any level, as parsed from JSON', () => {
    expect(untypedValueProblem(JSON.parse('{"a": [{"__proto__": {"x": 1}}]}'))).toBe('must not contain the key "__proto__" (reserved key)');
    expect(untypedValueProblem({ constructor: 1 })).toBe('must not contain the key "constructor" (reserved key)');
  });

  it('refuses a value over the size cap', () => {
    expect(untypedValueProblem('x'.repeat(65_534))).toBeNull(); // 65 536 characters with its quotes
    expect(untypedValueProblem('x'.repeat(65_535))).toBe('must be at most 65536 characters as JSON (size)');
  });
});

describe('validateReleaseVars', () => {
  it('applies defaults and keeps the catalog order; leaves env-defaulted secrets to the worker', () => {
    expect(validateReleaseVars(deployWeb, { canary: 50, version: '1.2.3' })).toEqual({
      vars: { version: '1.2.3', canary: 50, rollout: 'rolling', announce: true, hosts_per_batch: 5 },
      problems: [],
    });
  });

  it('keeps a given secret', () => {
    expect(validateReleaseVars(deployWeb, { version: '1.2.3', db_password: 's3cret' }).vars.db_password).toBe('s3cret');
  });

  it('reports a missing required var', () => {
    expect(validateReleaseVars(deployWeb, {}).problems).toEqual([{ field: 'extraVars.version', message: 'extraVars.version: required' }]);
    expect(validateReleaseVars(deployWeb, undefined).problems).toHaveLength(1);
  });

  it('reports every problem at once, naming the var and the rule', () => {
    const { problems } = validateReleaseVars(deployWeb, {
      version: 'latest',
      canary: 101,
      rollout: 'yolo',
      announce: 'yes',
      hosts_per_batch: 0,
      surprise: 1,
      ansible_python_interpreter: '/bin/sh',
    });
    expect(problems.map((p) => p.message)).toEqual([
      'extraVars.version: must match ^(?:^[0-9]+\\.[0-9]+\\.[0-9]+$)$ (pattern)',
      'extraVars.canary: must be at most 100 (max)',
      'extraVars.rollout: must be one of "rolling", "blue-green" (enum)',
      'extraVars.announce: must be true or false (type boolean)',
      'extraVars.hosts_per_batch: must be at least 1 (min)',
      'extraVars.surprise: unknown var (template deploy-web declares version, canary, rollout, announce, hosts_per_batch, db_password)',
      'extraVars.ansible_python_interpreter: reserved name (ansible_* vars choose the interpreter, shell, connection and become)',
    ]);
  });

  it('with openVars, accepts undeclared vars but never reserved ones', () => {
    const open = { ...deployWeb, openVars: true };
    expect(validateReleaseVars(open, { version: '1.0.0', note: { a: [1] } }).vars).toMatchObject({ note: { a: [1] } });
    const { problems } = validateReleaseVars(open, { version: '1.0.0', hostvars: {}, omit: 1, 'a-b': 1, ANSIBLE_HOST: 'x' });
    expect(problems.map((p) => p.field)).toEqual(['extraVars.hostvars', 'extraVars.omit', 'extraVars.a-b', 'extraVars.ANSIBLE_HOST']);
  });

  it('refuses "__proto__", "constructor" and "prototype" as parsed from JSON instead of dropping them', () => {
    const input = JSON.parse('{"version": "1.0.0", "__proto__": {"polluted": true}, "constructor": 1, "prototype": 2}') as unknown;
    const { vars, problems } = validateReleaseVars({ ...deployWeb, openVars: true }, input);
    expect(problems.map((p) => p.field)).toEqual(['extraVars.__proto__', 'extraVars.constructor', 'extraVars.prototype']);
    expect(Object.keys(vars)).not.toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses extraVars that are not an object', () => {
    for (const input of [[1], 'a=b', 3, null]) {
      expect(validateReleaseVars(deployWeb, input).problems).toEqual([
        { field: 'extraVars', message: 'extraVars: must be an object of var name to value' },
      ]);
    }
  });

  it('refuses more than 200 vars', () => {
    const many = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`v${i}`, i]));
    expect(validateReleaseVars({ name: 't', vars: {}, openVars: true }, many).problems).toEqual([
      { field: 'extraVars', message: 'extraVars: at most 200 vars' },
    ]);
  });
});

describe('reservedNameProblem', () => {
  it.each(['greeting', 'version', 'announce', 'rollout', '_private', 'v2'])('accepts %s', (name) => {
    expect(reservedNameProblem(name)).toBeNull();
  });
  it.each([
    'ansible_python_interpreter', 'ansible_host', 'Ansible_Become', '_ansible_no_log', 'ansible', 'hostvars', 'groups', 'group_names',
    'inventory_hostname', 'inventory_hostname_short', 'inventory_dir', 'inventory_file', 'playbook_dir', 'play_hosts', 'role_path',
    'role_name', 'role_names', 'omit', 'environment', 'vars', 'become', 'become_user', 'connection', 'remote_user', 'ungrouped',
    '__proto__', 'constructor', 'prototype', '__class__', '1st', 'a-b', 'a.b', 'a b', '', '{{ x }}', 'é',
  ])('refuses %j', (name) => {
    expect(reservedNameProblem(name)).not.toBeNull();
  });
});

describe('toVarsJsonSchema (the GET /templates contract)', () => {
  it('describes every rule, anchors patterns, and never shows a secret default', () => {
    const schema = toVarsJsonSchema({
      ...deployWeb,
      vars: {
        ...deployWeb.vars,
        hosts: spec({ name: 'hosts', type: 'list', items: { maxLength: 20, pattern: '[a-z]+' }, minItems: 1, maxItems: 3 }),
        ratio: spec({ name: 'ratio', type: 'number', min: 0.5 }),
        token: spec({ name: 'token', type: 'string', secret: true, default: 'literal-secret', maxLength: 64 }),
        legacy: spec({ name: 'legacy', default: { any: 'json' } }),
        // A pattern or enum of a secret can narrow it down to a guess, or be its value: neither is shown.
        pin: spec({ name: 'pin', type: 'string', secret: true, default: '4242x', pattern: '4242[a-z]', enum: ['4242x', '4242y'] }),
        keys: spec({ name: 'keys', type: 'list', secret: true, items: { maxLength: 9, pattern: '4242[a-z]' } }),
      },
    });
    expect(schema).toEqual({
      type: 'object',
      properties: {
        version: { type: 'string', description: 'Release to deploy', maxLength: 4096, pattern: '^(?:^[0-9]+\\.[0-9]+\\.[0-9]+$)$' },
        canary: { type: 'integer', default: 10, minimum: 0, maximum: 100 },
        rollout: { type: 'string', default: 'rolling', enum: ['rolling', 'blue-green'], maxLength: 4096 },
        announce: { type: 'boolean', default: true },
        hosts_per_batch: { type: 'integer', default: 5, minimum: 1 },
        db_password: { type: 'string', maxLength: 4096, writeOnly: true, 'x-secret': true },
        hosts: { type: 'array', items: { type: 'string', maxLength: 20, pattern: '^(?:[a-z]+)$' }, minItems: 1, maxItems: 3 },
        ratio: { type: 'number', minimum: 0.5 },
        token: { type: 'string', maxLength: 64, writeOnly: true, 'x-secret': true },
        legacy: { default: { any: 'json' } },
        pin: { type: 'string', writeOnly: true, 'x-secret': true },
        keys: { type: 'array', items: { type: 'string', maxLength: 9 }, writeOnly: true, 'x-secret': true },
      },
      required: ['version'],
      additionalProperties: false,
    });
    expect(JSON.stringify(schema)).not.toContain('literal-secret');
    expect(JSON.stringify(schema)).not.toContain('DEPLOY_DB_PASSWORD');
    expect(JSON.stringify(schema)).not.toContain('4242');
  });
});

describe('validateReleaseVars: lone surrogates are refused, naming the var (issue 20, item 3)', () => {
  const LONE = 'a\ud800';
  const open: VarsTemplate = { ...deployWeb, openVars: true, vars: { ...deployWeb.vars, tags: spec({ name: 'tags', type: 'list' }) } };
  it.each([
    ['a typed value', 'version', LONE],
    ['a secret var', 'db_password', LONE],
    ['a list item', 'tags', ['ok', LONE]],
    ['an open var', 'extra', LONE],
    ['a nested value', 'extra', { a: [{ b: LONE }] }],
    ['a nested key', 'extra', { a: { [LONE]: 1 } }],
  ])('%s', (_what, name, value) => {
    const { problems } = validateReleaseVars(open, { version: '1.2.3', [name]: value });
    expect(problems.map((p) => p.field)).toEqual([`extraVars.${name}`]);
    expect(problems[0]?.message).toMatch(/lone surrogate/);
  });

  it('surrogate pairs (emoji) are whole characters and accepted', () => {
    expect(validateReleaseVars(open, { version: '1.2.3', extra: { '😀': ['😀'] }, db_password: 'p😀' }).problems).toEqual([]);
  });
});
