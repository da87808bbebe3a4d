import { ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import {
  CATALOG,
  type Catalog,
  mergeExtraVars,
  resolveLockKey,
  validateOptionValue,
} from '@slipway/ansible';
import type { ReleaseEntity } from '@slipway/db';
import type { CancelRequest } from '@slipway/queue';
import { type ReleaseEvent, ReleaseStore } from '@slipway/releases';
import { ApiRedis } from '../redis/api-redis.js';
import { type FieldError, badRequest } from '../common/validation.js';
import type { CreateReleaseDto } from './create-release.dto.js';
import { ReleaseQueue } from './release-queue.js';
import { checkDeclaredVars } from './vars-schema.stand-in.js';

export interface CancelResult {
  release: ReleaseEntity;
  /** True when a queued release was cancelled on the spot; false when a running one was asked to stop. */
  immediate: boolean;
}

@Injectable()
export class ReleasesService {
  private readonly logger = new Logger('ReleasesService');

  constructor(
    private readonly store: ReleaseStore,
    private readonly queue: ReleaseQueue,
    private readonly redis: ApiRedis,
    @Inject(CATALOG) private readonly catalog: Catalog,
  ) {}

  /**
   * Validates against the catalog, then writes the row and the job: both or neither. The row goes first
   * (a worker must always find it); if the job cannot be added, the row is deleted again before answering.
   */
  async create(
    input: CreateReleaseDto,
    requestedBy: string,
    options: { rerunOf?: number; idempotencyKeyId?: number } = {},
  ): Promise<ReleaseEntity> {
    const errors: FieldError[] = [];
    const template = this.catalog.templates[input.template];
    if (!template) {
      errors.push({ field: 'template', message: `template: unknown template "${input.template}" (known: ${Object.keys(this.catalog.templates).join(', ')})` });
      throw badRequest(errors);
    }
    const inventory = input.inventory ?? template.inventories[0] ?? '';
    if (!template.inventories.includes(inventory)) {
      errors.push({ field: 'inventory', message: `inventory: "${inventory}" is not allowed for ${template.name} (allowed: ${template.inventories.join(', ')})` });
    }
    if (input.limit !== undefined) this.checkOption('limit', input.limit, errors);
    input.tags?.forEach((tag, i) => this.checkOption(`tags[${i}]`, tag, errors));
    input.skipTags?.forEach((tag, i) => this.checkOption(`skipTags[${i}]`, tag, errors));
    let runAt: Date | null = null;
    if (input.runAt !== undefined) {
      runAt = new Date(input.runAt);
      if (Number.isNaN(runAt.getTime())) errors.push({ field: 'runAt', message: 'runAt: not a valid ISO 8601 time' });
      else if (runAt.getTime() < Date.now() - 1_000) errors.push({ field: 'runAt', message: 'runAt: is in the past' });
    }
    errors.push(...checkDeclaredVars(template, input.extraVars ?? {}));
    if (errors.length > 0) throw badRequest(errors);

    const release = await this.store.create({
      template: template.name,
      inventory,
      extraVars: mergeExtraVars(template, input.extraVars ?? {}),
      limit: input.limit ?? null,
      tags: input.tags ?? null,
      skipTags: input.skipTags ?? null,
      checkMode: input.checkMode ?? false,
      lockKey: resolveLockKey(template, inventory),
      requestedBy,
      runAt,
      rerunOf: options.rerunOf ?? null,
    }, options.idempotencyKeyId);
    try {
      await this.queue.enqueue(release.id, runAt);
    } catch (error) {
      await this.store.deleteQueued(release.id);
      throw error;
    }
    return release;
  }

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
    if (release.status === 'queued') {
      if (await this.store.cancelQueued(id, by)) {
        await this.queue.removeIfWaiting(id).catch(() => undefined);
        const cancelled = await this.get(id);
        this.announce(id, { type: 'status', status: 'cancelled', reason: cancelled.reason });
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
    throw new ConflictException(`id: release ${id} is already ${release.status}; only queued or running releases can be cancelled`);
  }

  /** A new release with the original's parameters (not its schedule), linked to it by rerunOf. */
  async rerun(id: number, by: string): Promise<ReleaseEntity> {
    const original = await this.get(id);
    const input: CreateReleaseDto = {
      template: original.template,
      inventory: original.inventory,
      extraVars: original.extraVars,
      ...(original.limit !== null ? { limit: original.limit } : {}),
      ...(original.tags !== null ? { tags: original.tags } : {}),
      ...(original.skipTags !== null ? { skipTags: original.skipTags } : {}),
      checkMode: original.checkMode,
    };
    return this.create(input, by, { rerunOf: original.id });
  }

  private announce(id: number, event: ReleaseEvent): void {
    this.redis.client.publish(this.redis.keys.releaseChannel(id), JSON.stringify(event)).catch(() => undefined);
  }

  private checkOption(field: string, value: string, errors: FieldError[]): void {
    const problem = validateOptionValue(field, value);
    if (problem) errors.push({ field, message: problem });
  }
}
