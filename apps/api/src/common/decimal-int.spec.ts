import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { idParam } from './id-param.pipe.js';
import { auditQuery, listReleasesQuery } from '@slipway/contracts';
import { checkContract } from './contract-validation.js';

const LOOSE = ['0x1', '1e3', ' 1', '1 ', '1.0', '+1', '-1', '0', '', '01', '0b1', '0o1', 'Infinity', '1_000', '١', '9'.repeat(16)];

function idError(raw: string): string | undefined {
  try {
    idParam.transform(raw, { type: 'param' });
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return JSON.stringify((error as BadRequestException).getResponse());
  }
}

describe('ids and numeric query params are read in decimal digits only (issue 20, item 3)', () => {
  it.each(LOOSE)(':id %j is a 400 naming id', (raw) => {
    expect(idError(raw)).toMatch(/"field":"id"/);
  });

  it('a decimal :id is read', () => {
    expect(idParam.transform('1', { type: 'param' })).toBe(1);
    expect(idParam.transform('123456789', { type: 'param' })).toBe(123456789);
  });

  it.each(['limit', 'before', 'after'])('?%s= in any loose form is a 400 naming it', (field) => {
    for (const raw of LOOSE.filter((r) => r !== '0')) {
      const { errors } = checkContract(auditQuery, { [field]: raw });
      expect(errors.map((e) => e.field), `${field}=${JSON.stringify(raw)}`).toContain(field);
    }
  });

  it('decimal paging params are read as numbers', () => {
    const { value, errors } = checkContract(auditQuery, { limit: '20', before: '1000' });
    expect(errors).toEqual([]);
    expect(value).toMatchObject({ limit: 20, before: 1000 });
  });

  it.each(['limit', 'before', 'after'])('contract page query: ?%s= in any loose form is a 400 naming it', (field) => {
    for (const raw of LOOSE.filter((r) => r !== '0')) {
      const { errors } = checkContract(listReleasesQuery, { [field]: raw });
      expect(errors.map((e) => e.field), `${field}=${JSON.stringify(raw)}`).toContain(field);
    }
  });

  it('contract page query: decimal paging params are read as numbers, page and both cursors refused by name', () => {
    const { value, errors } = checkContract(listReleasesQuery, { limit: '20', before: '1000' });
    expect(errors).toEqual([]);
    expect(value).toMatchObject({ limit: 20, before: 1000 });
    expect(checkContract(listReleasesQuery, {}).value).toMatchObject({ limit: 50 });
    expect(checkContract(listReleasesQuery, { page: '2' }).errors).toEqual([expect.objectContaining({ field: 'page', message: expect.stringMatching(/^page: lists are paged with before=/) })]);
    expect(checkContract(listReleasesQuery, { before: '5', after: '2' }).errors).toEqual([{ field: 'after', message: 'after: give before or after, not both' }]);
  });
});
