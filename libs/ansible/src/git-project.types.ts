/**
 * Where a git project's worker and API read the deploy key from: a file on the host, or an environment
 * variable holding the key itself. Never stored in the DB, never on a command line.
 */
export type GitCredentials = { sshKeyFile: string } | { sshKeyEnv: string };

/** `project: { git, ref, path, credentials, commitUrl }` of a catalog, as validated. */
export interface GitProjectSpec {
  /** Any URL git accepts (https, ssh, git, file, scp-like `user@host:path`; a local path resolved against the catalog). */
  url: string;
  /** Branch, tag or commit releases run by default; undefined: the repository's default branch. */
  ref?: string;
  /** Subdirectory of the repository holding playbooks and inventories ('' for its root). */
  path: string;
  credentials?: GitCredentials;
  /** Link to a commit, with `{sha}` where the commit goes (e.g. https://git.example.com/ops/playbooks/commit/{sha}). */
  commitUrl?: string;
}

/** A git project with the revision the catalog was checked against at load. */
export interface GitProject extends GitProjectSpec {
  /** The commit the catalog's paths were checked against (the ref's commit at load). */
  loadedCommit: string;
  /** The ref name that commit was resolved from (the default branch's name when `ref` is omitted). */
  loadedRef: string;
}

/** A release's pinned revision: the full commit id and the ref it was resolved from. */
export interface PinnedCommit {
  commitSha: string;
  ref: string;
}
