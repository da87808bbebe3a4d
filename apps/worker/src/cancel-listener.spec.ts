import { describe, expect, it } from 'vitest';
import { parseCancelRequest } from './cancel-listener.js';

describe('parseCancelRequest', () => {
  it('accepts what the API sends', () => {
    expect(parseCancelRequest(JSON.stringify({ releaseId: 12, by: 'alice' }))).toEqual({ request: { releaseId: 12, by: 'alice' } });
  });

  it.each([
    ['not json', 'not JSON'],
    ['{"releaseId":', 'not JSON'],
    ['null', 'message'],
    ['[]', 'message'],
    ['{"releaseId":"12","by":"a"}', 'releaseId'],
    ['{"releaseId":-1,"by":"a"}', 'releaseId'],
    ['{"releaseId":1.5,"by":"a"}', 'releaseId'],
    ['{"releaseId":1}', 'by'],
  ])('refuses %s, saying why', (message, why) => {
    const parsed = parseCancelRequest(message);
    expect('error' in parsed && parsed.error).toContain(why);
  });
});
