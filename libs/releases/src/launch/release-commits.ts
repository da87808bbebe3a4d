import { Inject, Injectable } from '@nestjs/common';
import { type Catalog, GitError, GitRepository, type PinnedCommit } from '@slipway/ansible';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { type LaunchRefusal, invalid } from './launch-refusal.js';

/**
 * Pins a release of a git project to a commit when it is created: the ref (the release's, or the
 * catalog's) is resolved to a full commit id with `git ls-remote`, an abbreviated commit id in this
 * host's mirror. An unknown ref is refused as invalid naming `ref`; a repository that cannot be reached
 * as unavailable.
 */
@Injectable()
export class ReleaseCommits {
  /** One repository per catalog project: a reload brings a new project object (perhaps another URL). */
  private readonly repositories = new WeakMap<NonNullable<Catalog['git']>, GitRepository>();

  constructor(@Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig) {}

  /**
   * In the catalog the release was validated against; null for a local-directory project. `ref`
   * undefined: the catalog's ref (or the default branch).
   */
  async pin(catalog: Catalog, ref: string | undefined): Promise<{ ok: true; pinned: PinnedCommit | null } | { ok: false; refusal: LaunchRefusal }> {
    const git = catalog.git;
    if (!git) return { ok: true, pinned: null };
    let repository = this.repositories.get(git);
    if (!repository) {
      repository = new GitRepository(git, { cacheDir: this.config.gitCacheDir });
      this.repositories.set(git, repository);
    }
    const wanted = ref ?? git.ref;
    try {
      return { ok: true, pinned: await repository.resolve(wanted) };
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      if (error.kind === 'unknown-ref') return { ok: false, refusal: invalid([{ field: 'ref', message: `ref: ${error.message}` }]) };
      return { ok: false, refusal: { kind: 'unavailable', message: `ref: cannot resolve ${wanted ?? 'the default branch'}: ${error.message}` } };
    }
  }
}
