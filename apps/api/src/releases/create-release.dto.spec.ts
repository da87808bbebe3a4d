import { describe, expect, it } from 'vitest';
import { createReleaseRequest, rerunReleaseRequest } from '@slipway/contracts';
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
