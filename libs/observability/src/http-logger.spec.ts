import { describe, expect, it } from 'vitest';
import { redactUrl } from './http-logger.js';

describe('redactUrl', () => {
  it('replaces credentials in the query string and keeps the rest', () => {
    expect(redactUrl('/api/v1/releases/4/events?access_token=abc&after=10')).toBe('/api/v1/releases/4/events?access_token=[redacted]&after=10');
    expect(redactUrl('/x?after=1&token=s3cret')).toBe('/x?after=1&token=[redacted]');
    expect(redactUrl('/api/v1/releases?template=tokenizer')).toBe('/api/v1/releases?template=tokenizer');
  });
});
