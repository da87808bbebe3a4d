// A ref's length is the API's contract (libs/contracts limits.ts, which says why); the git rules apply it.
import { MAX_GIT_REF_LENGTH } from '@slipway/contracts';
export { MAX_GIT_REF_LENGTH };

/** A full commit id: 40 hex digits (SHA-1) or 64 (SHA-256 repositories). */
export const FULL_COMMIT_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** An abbreviated commit id a release may name (resolved in the mirror, never passed to ls-remote as a pattern). */
export const ABBREVIATED_SHA = /^[0-9a-f]{7,64}$/;

/**
 * Why `ref` is not a branch, tag or commit name Slipway passes to git, or null. Stricter than
 * `git check-ref-format`: whatever passes here can never be read by git as an option ("-..."), a revision
 * expression (`@{...}`, `^`, `~`, `:`), a pathspec or glob, and holds nothing a terminal or log would render.
 * `field` names the request field in the message.
 */
export function gitRefProblem(field: string, ref: unknown): string | null {
  if (typeof ref !== 'string' || ref === '') return `${field}: must be a non-empty branch, tag or commit name`;
  if (ref.length > MAX_GIT_REF_LENGTH) return `${field}: at most ${MAX_GIT_REF_LENGTH} characters`;
  if (ref.startsWith('-')) return `${field}: must not start with "-"`;
  if (!/^[A-Za-z0-9._/+-]+$/.test(ref)) return `${field}: only letters, digits, ".", "_", "/", "+" and "-" are allowed`;
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//')) return `${field}: "/" must separate non-empty parts`;
  if (ref.includes('..')) return `${field}: must not contain ".."`;
  if (ref.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'))) {
    return `${field}: no part may start with "." or end with ".lock"`;
  }
  if (ref.endsWith('.')) return `${field}: must not end with "."`;
  if (ref === 'HEAD' || ref === '@') return `${field}: name a branch, tag or commit (leave it out for the default branch)`;
  return null;
}
