import { describe, expect, it } from 'vitest';
import { gitRefProblem } from './git-ref.js';

describe('gitRefProblem: what a release may send as ref', () => {
  it.each(['main', 'release/2.4', 'v1.2.3', 'feature_x-y', 'refs/heads/main', 'a1b2c3d', '3f9c1e0d4b5a69788796a5b4c3d2e1f0a9b8c7d6', 'v1+build'])(
    'accepts %s',
    (ref) => expect(gitRefProblem('ref', ref)).toBeNull(),
  );

  it.each([
    ['--upload-pack=touch /tmp/pwned', 'must not start with "-"'],
    ['-c', 'must not start with "-"'],
    ['--output=/etc/passwd', 'must not start with "-"'],
    ['main;rm -rf /', 'only letters'],
    ['$(id)', 'only letters'],
    ['`id`', 'only letters'],
    ['main branch', 'only letters'],
    ['main\n--exec', 'only letters'],
    ['main\0', 'only letters'],
    ['HEAD@{1}', 'only letters'],
    ['main^', 'only letters'],
    ['main~1', 'only letters'],
    ['main:secret.txt', 'only letters'],
    ['*', 'only letters'],
    ['ma[in]', 'only letters'],
    ['..', 'must not contain ".."'],
    ['main..evil', 'must not contain ".."'],
    ['/main', '"/" must separate'],
    ['main/', '"/" must separate'],
    ['a//b', '"/" must separate'],
    ['.hidden', 'start with "."'],
    ['heads/.x', 'start with "."'],
    ['main.lock', 'end with ".lock"'],
    ['main.', 'must not end with "."'],
    ['HEAD', 'leave it out'],
    ['@', 'only letters'],
    ['', 'non-empty'],
  ])('refuses %j (%s)', (ref, why) => {
    const problem = gitRefProblem('ref', ref);
    expect(problem).toMatch(/^ref: /);
    expect(problem).toContain(why);
  });

  it('refuses what is not a string, and over-long names', () => {
    expect(gitRefProblem('ref', 42)).toMatch(/^ref: must be a non-empty/);
    expect(gitRefProblem('ref', 'a'.repeat(256))).toBe('ref: at most 255 characters');
  });
});
