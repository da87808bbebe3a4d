import type { NewRelease } from '@slipway/releases';

/** A plain queued release of `hello` on `local`, for store tests to vary one field at a time. */
export function newRelease(overrides: Partial<NewRelease> = {}): NewRelease {
  return {
    template: 'hello',
    inventory: 'local',
    extraVars: {},
    secretVars: [],
    secretValues: null,
    limit: null,
    tags: null,
    skipTags: null,
    checkMode: false,
    lockKey: 'hello:local',
    requestedBy: 'medium-test',
    runAt: null,
    rerunOf: null,
    catalogDigest: `sha256:${'0'.repeat(64)}`,
    ...overrides,
  };
}
