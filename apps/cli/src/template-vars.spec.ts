import { describe, expect, it } from 'vitest';
import { CliError } from './exit-codes.js';
import { catalogPattern, coerceVar, describeVar } from './template-vars.js';

describe('-e values take the declared type', () => {
  it('integers and numbers', () => {
    expect(coerceVar('canary', '25', { type: 'integer' })).toBe(25);
    expect(coerceVar('ratio', '0.5', { type: 'number' })).toBe(0.5);
    // Not a number at all: sent as typed, so the API names the var and the rule.
    expect(coerceVar('canary', 'lots', { type: 'integer' })).toBe('lots');
    expect(coerceVar('canary', '', { type: 'integer' })).toBe('');
    // A fraction for an integer is the API's to refuse (it names the rule), not silently rounded here.
    expect(coerceVar('canary', '2.5', { type: 'integer' })).toBe(2.5);
  });

  it('booleans', () => {
    for (const yes of ['true', 'TRUE', 'yes', 'on', '1']) expect(coerceVar('announce', yes, { type: 'boolean' })).toBe(true);
    for (const no of ['false', 'no', 'off', '0']) expect(coerceVar('announce', no, { type: 'boolean' })).toBe(false);
    expect(coerceVar('announce', 'maybe', { type: 'boolean' })).toBe('maybe');
  });

  it('lists as a,b or JSON', () => {
    expect(coerceVar('hosts', 'web1, web2', { type: 'array' })).toEqual(['web1', 'web2']);
    expect(coerceVar('hosts', '["a,b","c"]', { type: 'array' })).toEqual(['a,b', 'c']);
    expect(coerceVar('hosts', '', { type: 'array' })).toEqual([]);
    expect(() => coerceVar('hosts', '[oops', { type: 'array' })).toThrow(CliError);
  });

  it('strings, undeclared vars and vars without a type stay strings', () => {
    expect(coerceVar('version', '1.2.3', { type: 'string' })).toBe('1.2.3');
    expect(coerceVar('version', '10', { type: 'string' })).toBe('10');
    expect(coerceVar('unknown', '10', undefined)).toBe('10');
    expect(coerceVar('untyped', 'true', {})).toBe('true');
  });

  it('template show describes each rule', () => {
    expect(describeVar('canary', { type: 'integer', minimum: 0, maximum: 100, default: 10 }, false)).toEqual(['canary', 'integer', 'min 0, max 100, default 10', '']);
    expect(describeVar('db_password', { type: 'string', writeOnly: true, 'x-secret': true }, false)[2]).toBe('secret');
    expect(describeVar('version', { type: 'string', pattern: '^[0-9]+$', description: 'Release' }, true)).toEqual(['version', 'string', 'required, pattern ^[0-9]+$', 'Release']);
    expect(describeVar('rollout', { type: 'string', enum: ['rolling', 'blue-green'] }, false)[2]).toBe('one of rolling|blue-green');
  });

  it('template show gives a pattern as the catalog wrote it, not as the API anchored it', () => {
    // What GET /templates sends for the catalog's '^[0-9]+\.[0-9]+\.[0-9]+$' (libs/ansible anchoredPattern).
    expect(describeVar('version', { type: 'string', pattern: '^(?:^[0-9]+\\.[0-9]+\\.[0-9]+$)$' }, true)[2]).toBe('required, pattern ^[0-9]+\\.[0-9]+\\.[0-9]+$');
    expect(catalogPattern('^(?:[a-z]+)$')).toBe('[a-z]+');
    expect(catalogPattern('^(?:(a|b)(c))$')).toBe('(a|b)(c)');
    expect(catalogPattern('^(?:[)(]x)$')).toBe('[)(]x');
    expect(catalogPattern('^(?:a\\)b)$')).toBe('a\\)b');
    // The outer group is not one group here: unwrapping would change what it means.
    expect(catalogPattern('^(?:a)|(?:b)$')).toBe('^(?:a)|(?:b)$');
    expect(catalogPattern('[a-z]+')).toBe('[a-z]+');
  });
});
