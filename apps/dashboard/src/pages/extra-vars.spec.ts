import { describe, expect, it } from 'vitest';
import { jsonToVars, parseRowValue, rowsFromDefaults, rowsToVars } from './extra-vars';
import { fieldOf, groupErrors } from './form-errors';

describe('extra vars rows', () => {
  it('keeps numbers, booleans and JSON values typed and everything else as text', () => {
    expect(parseRowValue('30')).toBe(30);
    expect(parseRowValue('true')).toBe(true);
    expect(parseRowValue('{"a": [1]}')).toEqual({ a: [1] });
    expect(parseRowValue('hello world')).toBe('hello world');
    expect(parseRowValue('{not json}')).toBe('{not json}');
    expect(parseRowValue('030x')).toBe('030x');
  });

  it('never shows a secret default and leaves an empty secret out, so the catalog value is used', () => {
    const rows = rowsFromDefaults({ greeting: 'hi', seconds: 30, password: '********' }, ['password']);
    expect(rows).toEqual([
      { key: 'greeting', value: 'hi', secret: false },
      { key: 'seconds', value: '30', secret: false },
      { key: 'password', value: '', secret: true },
    ]);
    expect(rowsToVars(rows)).toEqual({ vars: { greeting: 'hi', seconds: 30 } });
  });

  it('names what is wrong with the rows', () => {
    expect(rowsToVars([{ key: '', value: 'x', secret: false }])).toEqual({ error: expect.stringContaining('has no name') });
    expect(rowsToVars([{ key: 'a-b', value: 'x', secret: false }])).toEqual({ error: expect.stringContaining('not a valid variable name') });
    const twice = [
      { key: 'a', value: '1', secret: false },
      { key: 'a', value: '2', secret: false },
    ];
    expect(rowsToVars(twice)).toEqual({ error: '"a" is set twice' });
    expect(rowsToVars([{ key: '', value: '', secret: false }])).toEqual({ vars: {} });
  });

  it('accepts only a JSON object in JSON mode', () => {
    expect(jsonToVars('{"a": 1}')).toEqual({ vars: { a: 1 } });
    expect(jsonToVars('')).toEqual({ vars: {} });
    expect(jsonToVars('[1]')).toEqual({ error: expect.stringContaining('JSON object') });
    expect(jsonToVars('{"a":')).toEqual({ error: expect.stringContaining('not valid JSON') });
  });
});

describe('API field errors', () => {
  it('are shown at the form field they name', () => {
    expect(fieldOf('tags[1]')).toBe('tags');
    expect(fieldOf('extraVars.greeting')).toBe('extraVars');
    expect(fieldOf('runAt')).toBe('runAt');
    expect(fieldOf('playbook')).toBe('form');
    expect(groupErrors([{ field: 'limit', message: 'limit: must not start with "-"' }, { field: 'body', message: 'body: invalid JSON' }])).toEqual({
      limit: ['limit: must not start with "-"'],
      form: ['body: invalid JSON'],
    });
  });
});
