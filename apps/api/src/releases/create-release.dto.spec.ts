import { describe, expect, it } from 'vitest';
import { auditQuery, createReleaseRequest, listReleasesQuery, rerunReleaseRequest } from '@slipway/contracts';
import { checkContract } from '../common/contract-validation.js';

const LONE = 'a\ud800';

describe('POST /releases body: null and lone surrogates are a 400 naming the field (issue 20, item 3)', () => {
  it.each(['inventory', 'limit', 'tags', 'skipTags', 'checkMode', 'ref', 'runAt'])('%s: null', (field) => {
    const { errors } = checkContract(createReleaseRequest, { template: 'hello', [field]: null });
    expect(errors.map((e) => e.field)).toContain(field);
    expect(errors.find((e) => e.field === field)?.message).toMatch(new RegExp(`\\b${field}\\b`));
  });

  it.each([
    ['template', LONE],
    ['inventory', LONE],
    ['limit', LONE],
    ['tags', ['ok', LONE]],
    ['skipTags', [LONE]],
    ['ref', LONE],
  ])('%s: a lone surrogate', (field, value) => {
    const { errors } = checkContract(createReleaseRequest, { template: 'hello', [field]: value });
    expect(errors.map((e) => e.field)).toContain(field);
    expect(errors.find((e) => e.field === field)?.message).toMatch(/lone surrogate/);
  });

  it('a surrogate pair (an emoji) is a whole character and accepted', () => {
    expect(checkContract(createReleaseRequest, { template: 'hello', limit: 'web😀', tags: ['😀'] }).errors).toEqual([]);
  });

  it('absent optional fields are still fine', () => {
    expect(checkContract(createReleaseRequest, { template: 'hello' }).errors).toEqual([]);
  });

  it('rerun: null fields are a 400 naming them', () => {
    for (const field of ['ref', 'latest']) {
      expect(checkContract(rerunReleaseRequest, { [field]: null }).errors.map((e) => e.field)).toContain(field);
    }
  });
});

/*
 * Moved from test/e2e/api-bad-input (issue 20, item 10): shape cases that need no process. The e2e file
 * keeps one case per mechanism (parser, size limit, shape, catalog, role, not found, id, query) to prove
 * the mapping to a status and that nothing is written.
 */
describe('POST /releases body: fields of the wrong type or unknown are named', () => {
  it.each([
    ['template', { template: ['hello'] }],
    ['checkMode', { template: 'hello', checkMode: 1 }],
    ['tags', { template: 'hello', tags: [1, 2] }],
    ['become', { template: 'hello', become: true }],
  ])('%s in %j', (field, body) => {
    const { errors } = checkContract(createReleaseRequest, body);
    expect(errors.map((e) => e.field)).toContain(field);
    expect(errors.find((e) => e.field === field)?.message).toContain(field);
  });
});

describe('list queries: only decimal numbers', () => {
  it.each(['0x1', '1e3', '1.0', '+1'])('limit=%s and before=%s are refused by name', (raw) => {
    expect(checkContract(listReleasesQuery, { limit: raw }).errors.map((e) => e.field)).toContain('limit');
    expect(checkContract(auditQuery, { before: raw }).errors.map((e) => e.field)).toContain('before');
  });

  it('plain digits are read', () => {
    expect(checkContract(listReleasesQuery, { limit: '20', before: '7' }).errors).toEqual([]);
  });
});
