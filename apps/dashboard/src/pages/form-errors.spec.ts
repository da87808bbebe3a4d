import { describe, expect, it } from 'vitest';
import { errorKeyOf, fieldErrorFromMessage, groupErrors, labelOf, relabel } from './form-errors';

describe('API field errors in the New release form', () => {
  it('are shown at the field they name: a declared var at its own field, others at the free rows', () => {
    expect(errorKeyOf('tags[1]', [])).toBe('tags');
    expect(errorKeyOf('extraVars.canary', ['canary'])).toBe('extraVars.canary');
    expect(errorKeyOf('extraVars.ansible_connection', ['canary'])).toBe('extraVars');
    expect(errorKeyOf('runAt', [])).toBe('runAt');
    expect(errorKeyOf('playbook', [])).toBe('form');
  });

  it('use the labels on screen, never the API names', () => {
    expect(labelOf('runAt')).toBe('Start time');
    expect(labelOf('skipTags')).toBe('Skip tags');
    expect(labelOf('tags[2]')).toBe('Tags, item 3,');
    expect(labelOf('extraVars.canary')).toBe('canary');
    expect(relabel({ field: 'runAt', message: 'runAt: is in the past' })).toBe('Start time is in the past');
    expect(relabel({ field: 'runAt', message: 'runAt must be a valid ISO 8601 date string' })).toBe('Start time must be a valid ISO 8601 date string');
    expect(relabel({ field: 'tags[2]', message: 'tags[2]: must not start with "-"' })).toBe('Tags, item 3, must not start with "-"');
    expect(relabel({ field: 'extraVars.canary', message: 'extraVars.canary: must be at most 100' })).toBe('canary must be at most 100');
    expect(relabel({ field: 'limit', message: 'must not be empty' })).toBe('Limit: must not be empty');
    // A message that merely starts with the same letters is not cut.
    expect(relabel({ field: 'limit', message: 'limits are comma-separated' })).toBe('Limit: limits are comma-separated');
  });

  it('groups every error of one response by field', () => {
    const errors = [
      { field: 'limit', message: 'limit: must not start with "-"' },
      { field: 'runAt', message: 'runAt: is in the past' },
      { field: 'extraVars.version', message: 'extraVars.version: must match ^[0-9]+$' },
      { field: 'body', message: 'body: invalid JSON' },
    ];
    expect(groupErrors(errors, ['version'])).toEqual({
      limit: ['Limit must not start with "-"'],
      runAt: ['Start time is in the past'],
      'extraVars.version': ['version must match ^[0-9]+$'],
      form: ['body: invalid JSON'],
    });
  });

  it('reads the field from a 400 without a field list', () => {
    expect(fieldErrorFromMessage('limit: must not start with "-"')).toEqual({ field: 'limit', message: 'limit: must not start with "-"' });
    expect(fieldErrorFromMessage('Bad Request')).toEqual({ field: '', message: 'Bad Request' });
  });
});
