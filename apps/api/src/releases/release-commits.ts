import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { type Catalog, GitError, GitRepository, type PinnedCommit } from '@slipway/ansible';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { badRequest } from '../common/validation.js';

/**
 * Pins a release of a git project to a commit when it is created: the ref (the release's, or the
 * catalog's) is resolved to a full commit id with `git ls-remote`, an abbreviated commit id in this
 * host's mirror. An unknown ref is a 400 naming `ref`; a repository that cannot be reached a 503.
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
  async pin(catalog: Catalog, ref: string | undefined): Promise<PinnedCommit | null> {
    const git = catalog.git;
    if (!git) return null;
    let repository = this.repositories.get(git);
    if (!repository) {
      repository = new GitRepository(git, { cacheDir: this.config.gitCacheDir });
      this.repositories.set(git, repository);
    }
    const wanted = ref ?? git.ref;
    try {
      return await repository.resolve(wanted);
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      if (error.kind === 'unknown-ref') throw badRequest([{ field: 'ref', message: `ref: ${error.message}` }]);
      throw new ServiceUnavailableException(`ref: cannot resolve ${wanted ?? 'the default branch'}: ${error.message}`);
    }
  }
}
