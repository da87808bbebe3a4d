import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { gitRefProblem } from './git-ref.js';
import type { GitCredentials, GitProject, GitProjectSpec } from './git-project.types.js';
import { GitError, GitRepository } from './git-repository.js';
import { isPlainObject } from './plain-object.js';

const PROJECT_KEYS = new Set(['git', 'ref', 'path', 'credentials', 'commitUrl']);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Control characters, blanks, quotes and backslashes have no business in a repository URL or a key path. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point.
const UNSAFE_CHARS = /[\s\0-\x1f\x7f'"\\`]/;

type Report = (key: string, message: string) => void;

/**
 * Validates `project: { git, ref, path, credentials, commitUrl }`. A URL git accepts (scheme://…,
 * scp-like user@host:path) is kept as is; anything else is a local path, resolved against the catalog's
 * directory. Never accepted: a leading "-" (git would read an option), ext:: and other command transports.
 */
export function validateGitProjectSpec(raw: Record<string, unknown>, baseDir: string, report: Report): GitProjectSpec | undefined {
  let problems = 0;
  const say: Report = (key, message) => {
    problems++;
    report(key, message);
  };
  for (const key of Object.keys(raw)) if (!PROJECT_KEYS.has(key)) say(key, 'unknown key (allowed: git, ref, path, credentials, commitUrl)');

  let url = '';
  if (typeof raw.git !== 'string' || raw.git === '') say('git', 'required: the repository URL');
  else if (raw.git.startsWith('-')) say('git', 'must not start with "-"');
  else if (UNSAFE_CHARS.test(raw.git)) say('git', 'must not contain blanks, quotes, backslashes or control characters');
  else if (/^[a-z][a-z0-9+.-]*::/i.test(raw.git)) say('git', 'remote helpers ("transport::address") are not allowed');
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw.git)) {
    const scheme = raw.git.slice(0, raw.git.indexOf(':')).toLowerCase();
    if (!['https', 'http', 'ssh', 'git', 'file'].includes(scheme)) say('git', `unsupported scheme ${scheme}:// (https, http, ssh, git or file)`);
    else url = raw.git;
  } else if (/^[^/:]+@[^/:]+:/.test(raw.git)) url = raw.git; // scp-like: git@host:ops/playbooks.git
  else url = path.resolve(baseDir, raw.git);

  let ref: string | undefined;
  if (raw.ref !== undefined) {
    const problem = gitRefProblem('ref', raw.ref);
    if (problem) say('ref', problem.replace(/^ref: /, ''));
    else ref = raw.ref as string;
  }

  let subdir = '';
  if (raw.path !== undefined) {
    if (typeof raw.path !== 'string' || raw.path === '') say('path', 'must be a non-empty relative path');
    else if (path.isAbsolute(raw.path) || path.normalize(raw.path).split(path.sep).includes('..')) say('path', 'must be a relative path inside the repository');
    else subdir = path.normalize(raw.path).replace(/\/+$/, '');
  }

  const credentials = validateGitCredentials(raw.credentials, say);

  let commitUrl: string | undefined;
  if (raw.commitUrl !== undefined) {
    if (typeof raw.commitUrl !== 'string' || !/^https?:\/\/[^\s]+$/.test(raw.commitUrl) || !raw.commitUrl.includes('{sha}')) {
      say('commitUrl', 'must be an http(s) URL with {sha} where the commit goes');
    } else commitUrl = raw.commitUrl;
  }
  if (problems > 0 || url === '') return undefined;
  return { url, ...(ref ? { ref } : {}), path: subdir === '.' ? '' : subdir, ...(credentials ? { credentials } : {}), ...(commitUrl ? { commitUrl } : {}) };
}

function validateGitCredentials(raw: unknown, report: Report): GitCredentials | undefined {
  if (raw === undefined) return undefined;
  const keys = isPlainObject(raw) ? Object.keys(raw) : [];
  if (!isPlainObject(raw) || keys.length !== 1 || (keys[0] !== 'sshKeyFile' && keys[0] !== 'sshKeyEnv')) {
    report('credentials', 'must be { sshKeyFile: /absolute/path } or { sshKeyEnv: VARIABLE_NAME }');
    return undefined;
  }
  if ('sshKeyFile' in raw) {
    const file = raw.sshKeyFile;
    if (typeof file !== 'string' || !path.isAbsolute(file) || UNSAFE_CHARS.test(file)) {
      report('credentials.sshKeyFile', 'must be an absolute path on the host (no blanks, quotes or control characters)');
      return undefined;
    }
    return { sshKeyFile: file };
  }
  if (typeof raw.sshKeyEnv !== 'string' || !ENV_NAME.test(raw.sshKeyEnv)) {
    report('credentials.sshKeyEnv', 'must be an environment variable name');
    return undefined;
  }
  return { sshKeyEnv: raw.sshKeyEnv };
}

/**
 * Resolves the project's ref, fetches that commit into this host's mirror and checks it out (once per
 * commit, shared by every load on the host) under `<cacheDir>/catalog/<sha>`, so the catalog's paths and
 * inventories are checked against exactly that revision. Releases never run in this checkout.
 * Returns the project and the directory holding its playbooks, or reports one problem.
 */
export function prepareGitProject(
  spec: GitProjectSpec,
  cacheDir: string,
  report: Report,
): { project: GitProject; dir: string } | undefined {
  const repository = new GitRepository(spec, { cacheDir });
  try {
    const pinned = repository.resolveSync(spec.ref);
    repository.ensureCommitSync(pinned.commitSha);
    const checkouts = path.join(cacheDir, 'catalog');
    const checkout = path.join(checkouts, pinned.commitSha);
    if (!existsSync(checkout)) {
      mkdirSync(checkouts, { recursive: true, mode: 0o700 });
      // Made aside and renamed: a load on the same host at the same time never sees half a checkout.
      const partial = path.join(checkouts, `.partial-${pinned.commitSha}-${randomBytes(4).toString('hex')}`);
      try {
        repository.checkoutSync(pinned.commitSha, partial);
        try {
          renameSync(partial, checkout);
        } catch (error) {
          if (!existsSync(checkout)) throw error; // another load won the race: use its checkout
        }
      } finally {
        rmSync(partial, { recursive: true, force: true });
      }
    }
    const dir = spec.path ? path.join(checkout, spec.path) : checkout;
    if (!existsSync(dir)) {
      report('path', `${spec.path} is not a directory at commit ${pinned.commitSha} (${spec.ref ?? pinned.ref})`);
      return undefined;
    }
    return { project: { ...spec, loadedCommit: pinned.commitSha, loadedRef: pinned.ref }, dir };
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    report(error.kind === 'unknown-ref' ? 'ref' : 'git', error.message);
    return undefined;
  }
}

/** The link to a commit from the catalog's `commitUrl`, or null without one. */
export function commitUrlFor(template: string | undefined, sha: string | null): string | null {
  if (!template || !sha) return null;
  return template.split('{sha}').join(sha);
}
