import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import {
  CATALOG,
  type Catalog,
  mergeExtraVars,
  resolveLockKey,
  validateOptionValue,
} from '@slipway/ansible';
import type { ReleaseEntity } from '@slipway/db';
import { ReleaseStore } from '@slipway/releases';
import { type FieldError, badRequest } from '../common/validation.js';
import type { CreateReleaseDto } from './create-release.dto.js';
import { ReleaseQueue } from './release-queue.js';

@Injectable()
export class ReleasesService {
  constructor(
    private readonly store: ReleaseStore,
    private readonly queue: ReleaseQueue,
    @Inject(CATALOG) private readonly catalog: Catalog,
  ) {}

  /**
   * Validates against the catalog, then writes the row and the job: both or neither. The row goes first
   * (a worker must always find it); if the job cannot be added, the row is deleted again before answering.
   */
  async create(input: CreateReleaseDto, requestedBy: string, rerunOf: number | null = null): Promise<ReleaseEntity> {
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
      rerunOf,
    });
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
    if (!release) throw new NotFoundException(`release ${id} not found`);
    return release;
  }

  private checkOption(field: string, value: string, errors: FieldError[]): void {
    const problem = validateOptionValue(field, value);
    if (problem) errors.push({ field, message: problem });
  }
}
