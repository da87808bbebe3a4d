import { describe, expect, it } from 'vitest';
import type { TemplateVarsJsonSchema } from '@slipway/contracts';
import { controlOf, initialInputs, readVar, readVars } from './typed-vars';

const vars: TemplateVarsJsonSchema = {
  type: 'object',
  properties: {
    version: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$', description: 'Release to deploy' },
    canary: { type: 'integer', default: 10, minimum: 0, maximum: 100 },
    ratio: { type: 'number', default: 0.5, minimum: 0, maximum: 1 },
    rollout: { type: 'string', enum: ['rolling', 'blue-green'], default: 'rolling' },
    announce: { type: 'boolean', default: true },
    regions: { type: 'array', items: { type: 'string', pattern: '^[a-z-]+$' }, default: ['eu-west'], maxItems: 2 },
    db_password: { type: 'string', writeOnly: true, 'x-secret': true },
  },
  required: ['version'],
  additionalProperties: false,
};

describe('typed vars', () => {
  it('picks the control for each type', () => {
    const controls = Object.fromEntries(Object.entries(vars.properties).map(([n, s]) => [n, controlOf(s)]));
    expect(controls).toEqual({ version: 'text', canary: 'number', ratio: 'number', rollout: 'select', announce: 'checkbox', regions: 'list', db_password: 'password' });
  });

  it('starts from the defaults, a secret empty', () => {
    expect(initialInputs(vars)).toEqual({ version: '', canary: '10', ratio: '0.5', rollout: 'rolling', announce: true, regions: 'eu-west', db_password: '' });
  });

  it('sends typed values and leaves out what is empty and optional (the catalog default applies)', () => {
    const inputs = { ...initialInputs(vars), version: ' 1.2.3 ', canary: '20', ratio: '', regions: 'eu-west\n\n us-east \n', announce: false };
    expect(readVars(vars, inputs)).toEqual({
      values: { version: '1.2.3', canary: 20, rollout: 'rolling', announce: false, regions: ['eu-west', 'us-east'] },
      errors: {},
    });
    // A secret is sent exactly as typed, spaces included.
    expect(readVar('db_password', vars.properties.db_password, ' p w ', false)).toEqual({ value: ' p w ' });
  });

  it('keeps an untyped var (a legacy default) in its JSON type', () => {
    const untyped: TemplateVarsJsonSchema = { type: 'object', properties: { seconds: { default: 30 }, tags: { default: { a: [1] } }, note: {} }, required: [], additionalProperties: false };
    expect(controlOf(untyped.properties.seconds)).toBe('untyped');
    expect(initialInputs(untyped)).toEqual({ seconds: '30', tags: '{"a":[1]}', note: '' });
    expect(readVars(untyped, { seconds: '45', tags: '{"a":[2]}', note: 'hello' })).toEqual({ values: { seconds: 45, tags: { a: [2] }, note: 'hello' }, errors: {} });
  });

  it('refuses each rule at its edge, naming the var', () => {
    const canary = vars.properties.canary;
    expect(readVar('canary', canary, '100', false)).toEqual({ value: 100 });
    expect(readVar('canary', canary, '0', false)).toEqual({ value: 0 });
    expect(readVar('canary', canary, '101', false)).toEqual({ error: 'canary must be at most 100' });
    expect(readVar('canary', canary, '-1', false)).toEqual({ error: 'canary must be at least 0' });
    expect(readVar('canary', canary, '1.5', false)).toEqual({ error: 'canary must be a whole number' });
    expect(readVar('canary', canary, 'abc', false)).toEqual({ error: 'canary must be a number' });
    expect(readVar('ratio', vars.properties.ratio, '0.75', false)).toEqual({ value: 0.75 });
    expect(readVar('version', vars.properties.version, '1.2', true)).toEqual({ error: expect.stringMatching(/^version must match the pattern/) });
    expect(readVar('version', vars.properties.version, '  ', true)).toEqual({ error: 'version is required' });
    expect(readVar('rollout', vars.properties.rollout, 'canary', false)).toEqual({ error: 'rollout must be one of rolling, blue-green' });
    expect(readVar('regions', vars.properties.regions, 'a\nb\nc', false)).toEqual({ error: 'regions takes at most 2 items' });
    expect(readVar('regions', vars.properties.regions, 'eu-west\nEU_1', false)).toEqual({ error: expect.stringMatching(/^regions, item 2, must match/) });
  });
});
