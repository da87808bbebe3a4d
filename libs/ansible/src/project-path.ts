import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** The project dir both as written (for messages and results) and as realpath (for containment). */
export interface ProjectDir {
  dir: string;
  realDir: string;
}

export type ProjectPathResult = { path: string } | { problem: string };

/** True if `target` is `root` itself or somewhere below it. */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * Resolves a catalog path against the project and checks it exists and stays inside it,
 * both lexically (`..`, absolute paths) and after following symlinks.
 */
export function resolveProjectPath(
  project: ProjectDir,
  relative: string,
  expect: 'file' | 'file-or-dir',
): ProjectPathResult {
  const abs = path.resolve(project.dir, relative);
  if (!isInside(project.dir, abs)) return { problem: `path escapes project: ${abs}` };

  let isFile: boolean;
  try {
    isFile = statSync(abs).isFile();
  } catch {
    return { problem: `file not found: ${abs}` };
  }
  const real = realpathSync(abs);
  if (!isInside(project.realDir, real)) return { problem: `path escapes project via symlink: ${abs} -> ${real}` };
  if (expect === 'file' && !isFile) return { problem: `not a file: ${abs}` };
  return { path: abs };
}
