import { isDeepStrictEqual } from 'node:util';
import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  type OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import {
  type Catalog,
  CatalogHolder,
  type CatalogTemplate,
  type PinnedCommit,
  catalogDigest,
  gitRefProblem,
  isPlainObject,
  limitProblem,
  resolveLockKey,
  tagsTotalProblem,
  validateOptionValue,
  validateReleaseVars,
} from '@slipway/ansible';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import type { ReleaseEntity } from '@slipway/db';
import type { CancelRequest } from '@slipway/queue';
import type { EntityManager } from 'typeorm';
import {
  type ReleaseEvent,
  ReleaseStore,
  SecretCipherError,
  openSecretVars,
  releaseSecretVars,
  sealSecretVars,
} from '@slipway/releases';
import { ApiRedis } from '../redis/api-redis.js';
import { type CreateReleaseRequest, type FieldError, type RerunReleaseRequest, createReleaseRequest, rerunReleaseRequest } from '@slipway/contracts';
import { badRequest } from '../common/validation.js';
import { checkContract } from '../common/contract-validation.js';
import { ReleaseCommits } from './release-commits.js';
import { ReleaseQueue } from './release-queue.js';

/** Rows that belong to a new release (its audit entry), written in its transaction and removed with it. */
export interface AlongsideRelease {
  write: (em: EntityManager, release: ReleaseEntity) => Promise<void>;
  undo: (em: EntityManager) => Promise<void>;
}

export interface CancelResult {
  release: ReleaseEntity;
  /** True when a queued release was cancelled on the spot; false when a running one was asked to stop. */
  immediate: boolean;
}

@Injectable()
export class ReleasesService implements OnModuleInit {
  private readonly logger = new Logger('ReleasesService');
  private readonly digests = new WeakMap<Catalog, Map<string, string>>();

  constructor(
    private readonly store: ReleaseStore,
    private readonly queue: ReleaseQueue,
    private readonly redis: ApiRedis,
    private readonly catalogs: CatalogHolder,
    private readonly commits: ReleaseCommits,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {}

  /** Said once at start-up rather than discovered at the first release that has a secret. */
  onModuleInit(): void {
    if (this.config.secretKeys.current) return;
    const withSecrets = Object.values(this.catalogs.current.templates).filter((t) => t.secretVars.length > 0).map((t) => t.name);
    if (withSecrets.length > 0) {
      this.logger.warn(`SLIPWAY_SECRET_KEY is not set: releases with secret values (templates ${withSecrets.join(', ')}) will be refused with 503`);
    }
  }

  /**
   * Validates against the catalog, then writes the row and the job: both or neither. The row goes first
   * (a worker must always find it); if the job cannot be added, the row is deleted again before answering,
   * and `alongside`'s rows with it.
   */
  async create(
    body: unknown,
    requestedBy: string,
    options: { rerunOf?: number; idempotencyKeyId?: number; pinned?: PinnedCommit; alongside?: AlongsideRelease } = {},
  ): Promise<ReleaseEntity> {
    const { input, catalog, template, inventory, extraVars, runAt } = this.validate(body);

    const sealed = this.seal(extraVars, template.secretVars);
    // Git projects: the commit it will run, fixed now (a re-run passes the original's).
    const pinned = options.pinned ?? (await this.commits.pin(catalog, input.ref));
    const release = await this.store.create({
      template: template.name,
      inventory,
      ...sealed,
      limit: input.limit ?? null,
      tags: input.tags ?? null,
      skipTags: input.skipTags ?? null,
      checkMode: input.checkMode ?? false,
      lockKey: resolveLockKey(template, inventory),
      requestedBy,
      runAt,
      rerunOf: options.rerunOf ?? null,
      // Now, from the catalog this release was validated against: a later catalog change shows as another digest.
      catalogDigest: this.digestOf(catalog, template.name, inventory),
      commitSha: pinned?.commitSha ?? null,
      gitRef: pinned?.ref ?? null,
    }, options.idempotencyKeyId, options.alongside?.write);
    try {
      await this.queue.enqueue(release.id, runAt);
    } catch (error) {
      await this.store.deleteQueued(release.id, options.alongside?.undo);
      throw error;
    }
    return release;
  }

  /**
   * catalogDigest of one template and inventory, computed once per catalog object: a reload swaps the
   * catalog, never edits it in place (CatalogHolder), so a catalog's digests never change.
   */
  private digestOf(catalog: Catalog, templateName: string, inventory: string): string {
    let digests = this.digests.get(catalog);
    if (!digests) this.digests.set(catalog, (digests = new Map()));
    const key = `${templateName}\u0000${inventory}`;
    let digest = digests.get(key);
    if (digest === undefined) digests.set(key, (digest = catalogDigest(catalog, templateName, inventory)));
    return digest;
  }

  /** The request as create() would store it (throws the same 400): what an Idempotency-Key is compared by. */
  normalised(body: unknown): CreateReleaseRequest {
    const { input, extraVars } = this.validate(body);
    return { ...input, extraVars };
  }

  /**
   * Every problem with a create request, in one 400: the DTO's fields, the template and inventory, the
   * limit and tags, and each extra var against the template's declared vars (reserved names, unknown
   * names, type, bounds, pattern, enum, required). Returns the release's normalised vars (defaults applied).
   */
  private validate(body: unknown): {
    input: CreateReleaseRequest;
    /** The catalog the request was checked against. */
    catalog: Catalog;
    template: CatalogTemplate;
    inventory: string;
    extraVars: Record<string, unknown>;
    runAt: Date | null;
  } {
    if (!isPlainObject(body)) throw badRequest([{ field: 'body', message: 'body: must be a JSON object' }]);
    // extraVars is checked by the catalog's rules below, on the object exactly as parsed (own "__proto__" included).
    const { extraVars: rawVars, ...fields } = body;
    const { value: input, errors } = checkContract(createReleaseRequest, fields);
    const failed = new Set(errors.map((e) => e.field.replace(/\..*$/, '')));
    // One catalog for the whole check, whatever a reload does meanwhile.
    const catalog = this.catalogs.current;
    const ok = (field: string) => !failed.has(field);

    const template = ok('template') ? catalog.templates[input.template] : undefined;
    if (ok('template') && !template) {
      errors.push({ field: 'template', message: `template: unknown template "${input.template}" (known: ${Object.keys(catalog.templates).join(', ')})` });
    }
    const inventory = (ok('inventory') ? input.inventory : undefined) ?? template?.inventories[0] ?? '';
    if (template && ok('inventory') && !template.inventories.includes(inventory)) {
      errors.push({ field: 'inventory', message: `inventory: "${inventory}" is not allowed for ${template.name} (allowed: ${template.inventories.join(', ')})` });
    }
    if (input.limit !== undefined && ok('limit')) {
      const problem =
        validateOptionValue('limit', input.limit) ??
        (template && template.inventories.includes(inventory)
          ? limitProblem(input.limit, template.limit, catalog.inventoryNames[inventory])
          : null);
      if (problem) errors.push({ field: 'limit', message: problem });
    }
    if (input.ref !== undefined && ok('ref') && template) {
      const problem = !catalog.git
        ? "ref: the catalog's project is a local directory, not a git repository"
        : !template.refOverride
          ? `ref: template ${template.name} runs the catalog's ref only (it does not set refOverride: true)`
          : gitRefProblem('ref', input.ref);
      if (problem) errors.push({ field: 'ref', message: problem });
    }
    if (ok('tags')) input.tags?.forEach((tag, i) => this.checkOption(`tags[${i}]`, tag, errors));
    if (ok('skipTags')) input.skipTags?.forEach((tag, i) => this.checkOption(`skipTags[${i}]`, tag, errors));
    const tooManyTags = ok('tags') && ok('skipTags') ? tagsTotalProblem(input.tags, input.skipTags) : null;
    if (tooManyTags) errors.push({ field: 'tags', message: tooManyTags });
    let runAt: Date | null = null;
    if (input.runAt !== undefined && ok('runAt')) {
      runAt = new Date(input.runAt);
      if (Number.isNaN(runAt.getTime())) errors.push({ field: 'runAt', message: 'runAt: not a valid ISO 8601 time' });
      else if (runAt.getTime() < Date.now() - 1_000) errors.push({ field: 'runAt', message: 'runAt: is in the past' });
    }
    // With no known template, still name reserved and malformed var names (an open template's rules).
    const vars = validateReleaseVars(template ?? { name: '', vars: {}, openVars: true }, rawVars);
    errors.push(...vars.problems);

    if (errors.length > 0 || !template) throw badRequest(errors);
    return { input, catalog, template, inventory, extraVars: vars.vars, runAt };
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

  /**
   * A new release with the original's parameters (not its schedule), linked to it by rerunOf. Its secret
   * values are the original's, decrypted here and encrypted again (fresh IV, current key). It runs the
   * original's commit, unless the body asks for `ref` (another one; the template must allow it) or
   * `latest` (the newest commit of the original's ref).
   */
  async rerun(id: number, by: string, body: unknown = {}): Promise<ReleaseEntity> {
    const raw = body ?? {};
    if (!isPlainObject(raw)) throw badRequest([{ field: 'body', message: 'body: must be a JSON object ({"ref": "..."} or {"latest": true}) or empty' }]);
    const { value: choice, errors } = checkContract(rerunReleaseRequest, raw);
    if (choice.ref !== undefined && choice.latest) errors.push({ field: 'latest', message: 'latest: give either ref or latest, not both' });
    if (errors.length > 0) throw badRequest(errors);
    const original = await this.get(id);
    const catalog = this.catalogs.current;
    const template = catalog.templates[original.template];
    let opened: ReturnType<typeof openSecretVars>;
    try {
      opened = openSecretVars(original, this.config.secretKeys);
    } catch (error) {
      if (!(error instanceof SecretCipherError)) throw error;
      throw new ConflictException(`id: the secret vars of release ${id} cannot be read (${error.message}); start a new release giving them again`);
    }
    const extraVars = this.rerunVars(original, opened, template, by, choice);
    const input: CreateReleaseRequest = {
      template: original.template,
      inventory: original.inventory,
      extraVars,
      ...(original.limit !== null ? { limit: original.limit } : {}),
      ...(original.tags !== null ? { tags: original.tags } : {}),
      ...(original.skipTags !== null ? { skipTags: original.skipTags } : {}),
      checkMode: original.checkMode,
    };
    if (choice.ref !== undefined) return this.create({ ...input, ref: choice.ref }, by, { rerunOf: original.id });
    // Latest of the original's ref: an override ref again if the template still allows one, else the catalog's.
    const overridden = original.gitRef !== null && template?.refOverride && original.gitRef !== catalog.git?.loadedRef;
    if (choice.latest || original.commitSha === null || !catalog.git) {
      return this.create(overridden ? { ...input, ref: original.gitRef! } : input, by, { rerunOf: original.id });
    }
    return this.create(input, by, { rerunOf: original.id, pinned: { commitSha: original.commitSha, ref: original.gitRef ?? original.commitSha } });
  }

  /**
   * The vars a rerun starts with. The original's secret values were given by its requester for its ref:
   * a rerun by someone else, or on another ref (another playbook), does not get them. Each such value
   * must be given again in the rerun body (a 400 names the missing ones); a value equal to the
   * template's own default is the catalog's, not the requester's, and comes back as the default.
   */
  private rerunVars(
    original: ReleaseEntity,
    opened: { vars: Record<string, unknown>; secrets: Record<string, unknown> },
    template: CatalogTemplate | undefined,
    by: string,
    choice: RerunReleaseRequest,
  ): Record<string, unknown> {
    const givenAgain = (choice.extraVars ?? {});
    const secretNames = new Set([...(template?.secretVars ?? []), ...(original.secretVars ?? [])]);
    const errors: FieldError[] = Object.keys(givenAgain)
      .filter((name) => !secretNames.has(name))
      .map((name) => ({ field: `extraVars.${name}`, message: `extraVars.${name}: a rerun takes only secret vars again (${name} is not a secret var of ${original.template})` }));
    const otherRef = choice.ref !== undefined && choice.ref !== original.gitRef;
    const otherRequester = by !== original.requestedBy;
    const vars = { ...opened.vars };
    if (otherRef || otherRequester) {
      const why = otherRequester ? `by someone other than its requester (${original.requestedBy})` : `on another ref than ${original.gitRef ?? "the catalog's"}`;
      for (const [name, value] of Object.entries(opened.secrets)) {
        delete vars[name];
        const isDefault = template !== undefined && Object.hasOwn(template.extraVars, name) && isDeepStrictEqual(template.extraVars[name], value);
        if (!isDefault && !Object.hasOwn(givenAgain, name)) {
          errors.push({ field: `extraVars.${name}`, message: `extraVars.${name}: a rerun ${why} does not reuse release ${original.id}'s secret value; give it again in the rerun body's extraVars` });
        }
      }
    }
    if (errors.length > 0) throw badRequest(errors);
    return Object.fromEntries([...Object.entries(vars), ...Object.entries(givenAgain)]);
  }

  /** Secret values are stored encrypted or not at all: without SLIPWAY_SECRET_KEY such a release is refused. */
  private seal(vars: Record<string, unknown>, secretVars: readonly string[]) {
    try {
      return sealSecretVars(vars, secretVars, this.config.secretKeys);
    } catch (error) {
      if (!(error instanceof SecretCipherError)) throw error;
      throw new ServiceUnavailableException(
        `extraVars: ${error.message}; set SLIPWAY_SECRET_KEY (openssl rand -base64 32) on the API and every worker`,
      );
    }
  }

  /** The secret var names this release is masked with (its own, recorded at creation). */
  secretVarsOf(release: ReleaseEntity): string[] {
    return releaseSecretVars(release, this.catalogs.current.templates[release.template]?.secretVars);
  }

  private announce(id: number, event: ReleaseEvent): void {
    this.redis.client.publish(this.redis.keys.releaseChannel(id), JSON.stringify(event)).catch(() => undefined);
  }

  private checkOption(field: string, value: string, errors: FieldError[]): void {
    const problem = validateOptionValue(field, value);
    if (problem) errors.push({ field, message: problem });
  }
}
