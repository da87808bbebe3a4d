import { ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { CatalogHolder } from '@slipway/ansible';
import type { ReleaseEntity } from '@slipway/db';
import type { CancelRequest } from '@slipway/queue';
import { type ReleaseEvent, ReleaseStore, releaseSecretVars } from '@slipway/releases';
import { ApiRedis } from '../redis/api-redis.js';
import { ReleaseQueue } from './release-queue.js';

export interface CancelResult {
  release: ReleaseEntity;
  /** True when a queued release was cancelled on the spot; false when a running one was asked to stop. */
  immediate: boolean;
}

/** Reads and cancels releases for the API; launching (create, rerun) is the launcher's (libs/releases). */
@Injectable()
export class ReleasesService {
  private readonly logger = new Logger('ReleasesService');

  constructor(
    private readonly store: ReleaseStore,
    private readonly queue: ReleaseQueue,
    private readonly redis: ApiRedis,
    private readonly catalogs: CatalogHolder,
  ) {}

  async get(id: number): Promise<ReleaseEntity> {
    const release = await this.store.findById(id);
    if (!release) throw new NotFoundException(`id: release ${id} not found`);
    return release;
  }

  /**
   * A queued release is cancelled at once (one conditional UPDATE; its job is dropped, and a worker that
   * still picks it sees it is no longer queued). A running one is flagged in the DB and the request is
   * published on the cancel channel; the worker running it stops ansible (SIGINT, then SIGKILL after
   * CANCEL_GRACE_MS) and writes `cancelled`. If the message is lost, that worker's housekeeping reads the
   * flag within seconds.
   */
  async cancel(id: number, by: string): Promise<CancelResult> {
    let release = await this.get(id);
    if (release.status === 'queued' || release.status === 'awaiting-approval') {
      if (await this.store.cancelQueued(id, by)) {
        await this.queue.removeIfWaiting(id).catch(() => undefined);
        const cancelled = await this.get(id);
        this.announce(id, { type: 'status', status: 'cancelled', reason: cancelled.reason });
        // A request cancelled while awaiting approval needs its check-mode preview no more (if it is still on).
        const previewId = release.status === 'awaiting-approval' ? release.approval?.previewReleaseId : null;
        if (previewId) {
          await this.cancel(previewId, by).catch((error: unknown) => {
            // Ended already (409): it stays, the record of what would have changed.
            if (!(error instanceof ConflictException)) this.logger.warn({ releaseId: previewId, msg: `preview ${previewId} of cancelled release ${id} not cancelled: ${(error as Error).message}` });
          });
        }
        return { release: cancelled, immediate: true };
      }
      release = await this.get(id); // it started (or ended) in the meantime
    }
    if (release.status === 'running' && (await this.store.requestCancel(id, by))) {
      const request: CancelRequest = { releaseId: id, by };
      await this.redis.client
        .publish(this.redis.keys.cancelChannel, JSON.stringify(request))
        .catch((error: unknown) => this.logger.warn({ releaseId: id, msg: `release ${id}: cancel not published (${(error as Error).message}); the worker polls the flag` }));
      return { release: await this.get(id), immediate: false };
    }
    release = await this.get(id);
    throw new ConflictException(`id: release ${id} is already ${release.status}; only releases awaiting approval, queued or running can be cancelled`);
  }

  /** The secret var names this release is masked with (its own, recorded at creation). */
  secretVarsOf(release: ReleaseEntity): string[] {
    return releaseSecretVars(release, this.catalogs.current.templates[release.template]?.secretVars);
  }

  /** A status change to the release's live viewers at once (they also poll it, so a lost message only delays it). */
  announce(id: number, event: ReleaseEvent): void {
    this.redis.client.publish(this.redis.keys.releaseChannel(id), JSON.stringify(event)).catch(() => undefined);
  }
}
