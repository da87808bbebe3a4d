import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import { CATALOG, type Catalog, GitError, GitRepository, type PinnedCommit } from '@slipway/ansible';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { badRequest } from '../common/validation.js';

/**
 * Pins a release of a git project to a commit when it is created: the ref (the release's, or the
 * catalog's) is resolved to a full commit id with `git ls-remote`, an abbreviated commit id in this
 * host's mirror. An unknown ref is a 400 naming `ref`; a repository that cannot be reached a 503.
 */
@Injectable()
export class ReleaseCommits {
  private readonly repository: GitRepository | null;

  constructor(
    @Inject(CATALOG) private readonly catalog: Catalog,
    @Inject(SLIPWAY_CONFIG) config: SlipwayConfig,
  ) {
    this.repository = catalog.git ? new GitRepository(catalog.git, { cacheDir: config.gitCacheDir }) : null;
  }

  /** Null for a local-directory project. `ref` undefined: the catalog's ref (or the default branch). */
  async pin(ref: string | undefined): Promise<PinnedCommit | null> {
    if (!this.repository) return null;
    const wanted = ref ?? this.catalog.git?.ref;
    try {
      return await this.repository.resolve(wanted);
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      if (error.kind === 'unknown-ref') throw badRequest([{ field: 'ref', message: `ref: ${error.message}` }]);
      throw new ServiceUnavailableException(`ref: cannot resolve ${wanted ?? 'the default branch'}: ${error.message}`);
    }
  }
}
