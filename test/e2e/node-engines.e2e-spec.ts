import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { minVersion, satisfies } from 'semver';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/test-env.js';

interface LockedPackage {
  version?: string;
  engines?: { node?: string } | string[];
}

/**
 * The README and package.json promise Node 20: every package `npm ci` installs must accept the oldest Node
 * that package.json's `engines` allows (otherwise npm prints EBADENGINE and the package may break there).
 */
describe('dependencies agree with Node 20', () => {
  const pkg = JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync(resolve(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockedPackage> };
  const oldestNode = minVersion(pkg.engines.node)!.version;

  it('package.json allows Node 20', () => {
    expect(oldestNode.startsWith('20.'), pkg.engines.node).toBe(true);
  });

  it('every locked package accepts the oldest allowed Node 20', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([path]) => path !== '')
      .flatMap(([path, locked]) => {
        const range = Array.isArray(locked.engines) ? undefined : locked.engines?.node;
        return range && !satisfies(oldestNode, range) ? [`${path.replace(/^.*node_modules\//, '')}@${locked.version}: node ${range}`] : [];
      });
    expect(refusing, `these need a newer Node than ${oldestNode}`).toEqual([]);
  });
});
