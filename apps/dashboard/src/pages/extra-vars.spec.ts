import { describe, expect, it } from 'vitest';
import { parseRowValue, rowsToVars } from './extra-vars';

describe('extra vars rows', () => {
  it('keeps numbers, booleans and JSON values typed and everything else as text', () => {
    expect(parseRowValue('30')).toBe(30);
    expect(parseRowValue('true')).toBe(true);
    expect(parseRowValue('{"a": [1]}')).toEqual({ a: [1] });
    expect(parseRowValue('hello world')).toBe('hello world');
    expect(parseRowValue('{not json}')).toBe('{not json}');
    expect(parseRowValue('030x')).toBe('030x');
  });

  it('leaves an empty secret row out', () => {
    expect(rowsToVars([{ key: 'greeting', value: 'hi', secret: false }, { key: 'password', value: '', secret: true }])).toEqual({ vars: { greeting: 'hi' } });
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
});
