import { describe, expect, it } from 'vitest';
import { createReleaseRequest, openApiComponents } from './index.js';

// The lib is not yet what the API validates with (issue 19 item 3 is in progress): these pin what it
// already promises, so the schemas cannot silently drift before they are wired in.
describe('contracts', () => {
  it('generates OpenAPI components for every registered schema, requests as input', () => {
    const components = openApiComponents();
    expect(Object.keys(components)).toEqual(expect.arrayContaining(['ReleaseBody', 'ReleasePage', 'HostRecap', 'CreateReleaseRequest']));
    for (const schema of Object.values(components)) expect(schema).not.toHaveProperty('$schema');
  });

  it.each([
    ['tags', { template: 'deploy-web', inventory: 'staging', tags: null }],
    ['skipTags', { template: 'deploy-web', inventory: 'staging', skipTags: null }],
    ['limit', { template: 'deploy-web', inventory: 'staging', limit: null }],
    ['template', { template: 'a\ud800', inventory: 'staging' }],
  ])('refuses a create request with a bad %s, naming the field', (field, body) => {
    const result = createReleaseRequest.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path[0])).toContain(field);
  });

  it('accepts a minimal create request', () => {
    expect(createReleaseRequest.safeParse({ template: 'deploy-web', inventory: 'staging' }).success).toBe(true);
  });
});
