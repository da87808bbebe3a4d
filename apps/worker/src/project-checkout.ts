import { realpathSync } from 'node:fs';
import path from 'node:path';
import { type Catalog, type CatalogTemplate, GitError, GitRepository, displayGitUrl, resolveProjectPath } from '@slipway/ansible';
import type { ReleaseEntity } from '@slipway/db';
import type { RunDirectory } from './run-directory.js';

/** Where one run's ansible-playbook finds its project: cwd, playbook and inventory. */
export interface RunProject {
  cwd: string;
  playbookPath: string;
  inventoryPath: string;
  /** A line for the release log saying what revision runs (git projects). */
  note?: string;
}

/** Name of the checkout inside the run's private directory (removed with it, also by the start-up sweep). */
const CHECKOUT_DIR = 'project';

/**
 * The project a run uses. A local directory: the catalog's paths. A git project: the release's pinned
 * commit, fetched into this host's shared mirror if missing there, checked out privately in the run's
 * directory, so two releases of one project never share a directory. The catalog's paths are taken
 * relative to the checkout the catalog was loaded from, and checked again inside this one (a commit of
 * another ref may lack the playbook, or hold a symlink out of the project).
 * Returns a one-line reason when the release cannot run.
 */
export async function prepareRunProject(
  catalog: Catalog,
  template: CatalogTemplate,
  release: ReleaseEntity,
  inventoryPath: string,
  runDir: RunDirectory,
  options: { gitCacheDir: string; env: NodeJS.ProcessEnv },
): Promise<RunProject | { problem: string }> {
  if (!catalog.git) return { cwd: catalog.projectDir, playbookPath: template.playbookPath, inventoryPath };
  const sha = release.commitSha;
  if (!sha) return { problem: 'no commit recorded for this release (created before its project was a git repository); re-run it with --latest' };
  const repository = new GitRepository(catalog.git, {
    cacheDir: options.gitCacheDir,
    env: options.env,
    // The run's TMPDIR: a git process the worker leaves behind when it dies is found and killed by the sweep.
    tmpDir: runDir.tmpDir,
    keyDir: runDir.path,
  });
  const checkout = path.join(runDir.path, CHECKOUT_DIR);
  try {
    await repository.ensureCommit(sha);
    await repository.checkout(sha, checkout);
  } catch (error) {
    if (error instanceof GitError) return { problem: `git: ${error.message}` };
    throw error;
  }
  const dir = catalog.git.path ? path.join(checkout, catalog.git.path) : checkout;
  let project;
  try {
    project = { dir, realDir: realpathSync(dir) };
  } catch {
    return { problem: `project path ${catalog.git.path} is not in commit ${sha}` };
  }
  const playbook = resolveProjectPath(project, template.playbook, 'file');
  if ('problem' in playbook) return { problem: `playbook ${template.playbook} at commit ${sha}: ${playbook.problem}` };
  const inventory = resolveProjectPath(project, path.relative(catalog.projectDir, inventoryPath), 'file-or-dir');
  if ('problem' in inventory) return { problem: `inventory ${release.inventory} at commit ${sha}: ${inventory.problem}` };
  return {
    cwd: dir,
    playbookPath: playbook.path,
    inventoryPath: inventory.path,
    note: `[slipway] commit ${sha}${release.gitRef && release.gitRef !== sha ? ` (${release.gitRef})` : ''} of ${displayGitUrl(catalog.git.url)}`,
  };
}
