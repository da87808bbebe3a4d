import { isDeepStrictEqual } from 'node:util';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import {
  type Catalog,
  CatalogHolder,
  type CatalogTemplate,
  type PinnedCommit,
  approvalFor,
  catalogDigest,
  gitRefProblem,
  limitProblem,
  redactSecrets,
  resolveLockKey,
  tagsTotalProblem,
  validateOptionValue,
  validateReleaseVars,
} from '@slipway/ansible';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import type { CreateReleaseRequest, RerunReleaseRequest } from '@slipway/contracts';
import { type AuditAction, AuditWriter, type ReleaseEntity } from '@slipway/db';
import { ReleaseStore } from '../release-store.js';
import { SecretCipherError } from '../secret-cipher.js';
import { openSecretVars, sealSecretVars } from '../release-secrets.js';
import { IdempotentLaunch, idempotencyKeyProblem, launchRequestIdentity } from './idempotent-launch.js';
import { type LaunchActor, actorLabel, requestedByOf } from './launch-actor.js';
import { type LaunchFieldError, type LaunchRefusal, type LaunchResult, invalid, refused } from './launch-refusal.js';
import { ReleaseCommits } from './release-commits.js';
import { ReleaseJobQueue } from './release-job-queue.js';
import { FreezeStore } from '../freezes/freeze-store.js';
import { blockingOccurrence, frozenLaunchMessage } from '../freezes/freeze-window.js';
import type { FreezeOverrideRecord } from '@slipway/db';
import { ApprovalStore } from '../approvals/approval-store.js';
import { approvalRecordOf, approversProblem } from '../approvals/approval-rules.js';

/** What a caller asks to launch: the fields of `POST /releases` (one contract), with extraVars as given (checked here). */
export type LaunchRequest = CreateReleaseRequest;

/** A request whose extraVars have not been looked at yet: they are checked by the catalog's rules, as parsed. */
export type UncheckedLaunchRequest = Omit<LaunchRequest, 'extraVars'> & { extraVars?: unknown };

export interface LaunchOptions {
  /**
   * Problems the caller's own shape check found (the API's DTO check): answered together with the
   * launcher's in one refusal, and the fields they name are not checked again.
   */
  shapeErrors?: LaunchFieldError[];
  /** Same key and request from the same requester within 24 h: the first release again (replayed). */
  idempotencyKey?: string;
}

/** What a rerun asks for beyond the original's parameters: another ref, the latest commit, secret values given again (see rerunVars). */
export type RerunChoice = RerunReleaseRequest;

interface Checked {
  request: LaunchRequest;
  /** The catalog the request was checked against. */
  catalog: Catalog;
  template: CatalogTemplate;
  inventory: string;
  extraVars: Record<string, unknown>;
  runAt: Date | null;
}

interface CreateParts {
  rerunOf?: number;
  pinned?: PinnedCommit;
  idempotencyKeyId?: number;
  idempotencyKey?: string;
  /** A check-mode preview of this release awaiting approval (it needs no approval itself). */
  previewOf?: number;
}

/**
 * Everything that decides whether and how a release starts, for every caller (the API, a scheduler, an
 * approval, a rerun): the catalog lookup, the vars schema, reserved names, host limits, secret sealing,
 * the lock key, idempotency, runAt, the audit entry and the enqueue. It never throws for a refused
 * launch: it answers a typed refusal that each caller maps (apps/api/src/releases/refusal-status.ts).
 */
@Injectable()
export class ReleaseLauncher implements OnModuleInit {
  private readonly logger = new Logger('ReleaseLauncher');
  private readonly digests = new WeakMap<Catalog, Map<string, string>>();

  constructor(
    private readonly store: ReleaseStore,
    private readonly queue: ReleaseJobQueue,
    private readonly catalogs: CatalogHolder,
    private readonly commits: ReleaseCommits,
    private readonly idempotency: IdempotentLaunch,
    private readonly audit: AuditWriter,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
    private readonly freezes: FreezeStore,
    private readonly approvals: ApprovalStore,
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
   * A new release of a catalog template for `actor`. With an idempotency key, the key is claimed
   * (scoped to the requester) before the release is created and the same request again gets the first
   * release back (`replayed`).
   */
  async launch(request: UncheckedLaunchRequest, actor: LaunchActor, options: LaunchOptions = {}): Promise<LaunchResult> {
    const { idempotencyKey } = options;
    if (idempotencyKey !== undefined) {
      const problem = idempotencyKeyProblem(idempotencyKey);
      if (problem) return refused(problem);
    }
    const checked = this.check(request, options.shapeErrors ?? []);
    if (!checked.ok) return checked;
    if (idempotencyKey === undefined) return this.create(checked.value, actor, 'release.create', {});
    const identity = launchRequestIdentity(checked.value.catalog, { ...checked.value.request, extraVars: checked.value.extraVars });
    return this.idempotency.launch(requestedByOf(actor), idempotencyKey, identity, (idempotencyKeyId) =>
      this.create(checked.value, actor, 'release.create', { idempotencyKeyId, idempotencyKey }),
    );
  }

  /**
   * The launcher's rules without launching (a schedule when it is saved, and after a catalog reload):
   * every bad field, as launch() would answer them, or none.
   */
  problems(request: UncheckedLaunchRequest): LaunchFieldError[] {
    const checked = this.check(request, []);
    if (checked.ok) return [];
    return 'errors' in checked.refusal ? checked.refusal.errors : [{ field: 'template', message: checked.refusal.message }];
  }

  /** The current catalog's secret var names of a template (a schedule may not store their values in clear). */
  secretVarsOf(template: string): readonly string[] {
    return this.catalogs.current.templates[template]?.secretVars ?? [];
  }

  /** The inventory a request without one gets: the template's first. */
  defaultInventoryOf(template: string): string {
    return this.catalogs.current.templates[template]?.inventories[0] ?? '';
  }

  /**
   * A new release with the original's parameters (not its schedule), linked to it by rerunOf. Its secret
   * values are the original's, decrypted here and sealed again (fresh IV, current key), unless the rule
   * of rerunVars asks for them again. It runs the original's commit, unless `choice` asks for `ref`
   * (another one; the template must allow it) or `latest` (the newest commit of the original's ref).
   */
  async rerun(originalId: number, actor: LaunchActor, choice: RerunChoice = {}): Promise<LaunchResult> {
    const original = await this.store.findById(originalId);
    if (!original) return refused({ kind: 'not-found', message: `id: release ${originalId} not found` });
    const catalog = this.catalogs.current;
    const template = catalog.templates[original.template];
    let opened: ReturnType<typeof openSecretVars>;
    try {
      opened = openSecretVars(original, this.config.secretKeys);
    } catch (error) {
      if (!(error instanceof SecretCipherError)) throw error;
      return refused({ kind: 'conflict', message: `id: the secret vars of release ${originalId} cannot be read (${error.message}); start a new release giving them again` });
    }
    const extraVars = this.rerunVars(original, opened, template, requestedByOf(actor), choice);
    if (!extraVars.ok) return extraVars;
    const input: LaunchRequest = {
      template: original.template,
      inventory: original.inventory,
      extraVars: extraVars.vars,
      ...(original.limit !== null ? { limit: original.limit } : {}),
      ...(original.tags !== null ? { tags: original.tags } : {}),
      ...(original.skipTags !== null ? { skipTags: original.skipTags } : {}),
      checkMode: original.checkMode,
      ...(choice.overrideFreeze !== undefined ? { overrideFreeze: choice.overrideFreeze } : {}),
    };
    const rerunOf = original.id;
    let parts: { request: LaunchRequest; pinned?: PinnedCommit };
    if (choice.ref !== undefined) {
      parts = { request: { ...input, ref: choice.ref } };
    } else if (choice.latest || original.commitSha === null || !catalog.git) {
      // Latest of the original's ref: an override ref again if the template still allows one, else the catalog's.
      const overridden = original.gitRef !== null && template?.refOverride && original.gitRef !== catalog.git?.loadedRef;
      parts = { request: overridden ? { ...input, ref: original.gitRef! } : input };
    } else {
      parts = { request: input, pinned: { commitSha: original.commitSha, ref: original.gitRef ?? original.commitSha } };
    }
    const checked = this.check(parts.request, []);
    if (!checked.ok) return checked;
    return this.create(checked.value, actor, 'release.rerun', { rerunOf, ...(parts.pinned ? { pinned: parts.pinned } : {}) });
  }

  /**
   * Seals, pins, then writes the row (with its audit entry, in its transaction) and the job: both or
   * neither. The row goes first (a worker must always find it); if the job cannot be added, the row and
   * its entry are deleted again before answering.
   */
  private async create(checked: Checked, actor: LaunchActor, action: AuditAction, parts: CreateParts): Promise<LaunchResult> {
    const { request, catalog, template, inventory, extraVars, runAt } = checked;
    const freeze = await this.freezeCheck(template.name, inventory, runAt, request.overrideFreeze, actor);
    if (!freeze.ok) return freeze;
    const sealed = this.seal(extraVars, template.secretVars);
    if (!sealed.ok) return sealed;
    const requestedBy = requestedByOf(actor);
    // A template that requires approval on this inventory: the release waits for it (no job, no lock),
    // unless no one but the requester could ever approve it.
    const policy = parts.previewOf === undefined ? approvalFor(template, inventory) : null;
    if (policy) {
      const problem = approversProblem(template.name, policy, await this.approvals.possibleApprovers(), requestedBy);
      if (problem) return refused(invalid([problem]));
    }
    // Git projects: the commit it will run, fixed now (a re-run passes the original's).
    let pinned: PinnedCommit | null | undefined = parts.pinned;
    if (!pinned) {
      const pin = await this.commits.pin(catalog, request.ref);
      if (!pin.ok) return pin;
      pinned = pin.pinned;
    }
    const entry = this.audit.inTransaction(requestedBy, action);
    const release = await this.store.create({
      template: template.name,
      inventory,
      ...sealed.vars,
      limit: request.limit ?? null,
      tags: request.tags ?? null,
      skipTags: request.skipTags ?? null,
      checkMode: request.checkMode ?? false,
      lockKey: resolveLockKey(template, inventory),
      requestedBy,
      runAt,
      rerunOf: parts.rerunOf ?? null,
      // Now, from the catalog this release was validated against: a later catalog change shows as another digest.
      catalogDigest: this.digestOf(catalog, template.name, inventory),
      commitSha: pinned?.commitSha ?? null,
      gitRef: pinned?.ref ?? null,
      freezeOverride: freeze.override,
      approval: policy ? approvalRecordOf(policy, new Date()) : null,
      previewOf: parts.previewOf ?? null,
    }, parts.idempotencyKeyId, (em, created) => entry.write(em, { type: 'release', id: created.id }, auditDetails(created, actor, parts)));
    if (release.status === 'awaiting-approval') return this.withPreview(checked, release, pinned, actor, () => this.store.deleteQueued(release.id, (em) => entry.remove(em)));
    try {
      await this.queue.enqueue(release.id, runAt);
    } catch (error) {
      await this.store.deleteQueued(release.id, (em) => entry.remove(em));
      return refused({ kind: 'unavailable', message: `queue unavailable (Redis: ${(error as Error).message}); nothing was created` });
    }
    return { ok: true, release, replayed: false };
  }

  /**
   * A release awaiting approval whose template asks for a preview gets it now: a check-mode (--check
   * --diff) release of the same params on the same commit, launched here like any other, linked by
   * previewOf, for the approvers to read its per-host results. If the preview cannot be launched, the
   * request is withdrawn (`undo`) and the preview's refusal answered: no approval without its preview.
   */
  private async withPreview(checked: Checked, release: ReleaseEntity, pinned: PinnedCommit | null, actor: LaunchActor, undo: () => Promise<void>): Promise<LaunchResult> {
    if (!release.approval?.preview) return { ok: true, release, replayed: false };
    const { overrideFreeze, runAt: _runAt, ...params } = checked.request;
    const preview = await this.create(
      { ...checked, request: { ...params, checkMode: true, ...(overrideFreeze !== undefined ? { overrideFreeze } : {}) }, runAt: null },
      actor,
      'release.create',
      { previewOf: release.id, ...(pinned ? { pinned } : {}) },
    );
    if (!preview.ok) {
      await undo();
      return preview;
    }
    await this.approvals.setPreview(release.id, preview.release.id);
    release.approval.previewReleaseId = preview.release.id;
    return { ok: true, release, replayed: false };
  }

  /**
   * The freeze check of an approval's final run (ReleaseApprovals): the one rule every launch passes,
   * for the template and inventory of the approved release, when it would start; `by` is the approver.
   */
  freezeCheckOf(template: string, inventory: string, runAt: Date | null, overrideReason: string | undefined, by: string) {
    return this.freezeCheck(template, inventory, runAt && runAt.getTime() > Date.now() ? runAt : null, overrideReason, { kind: 'token', name: by });
  }

  /**
   * The job of a release that approval just queued (the row is queued already): if Redis does not take
   * it now, the worker's reconciler re-adds the job of a queued release within minutes.
   */
  async enqueueApproved(release: Pick<ReleaseEntity, 'id' | 'runAt'>): Promise<void> {
    try {
      await this.queue.enqueue(release.id, release.runAt);
    } catch (error) {
      this.logger.warn(`release ${release.id} approved and queued, its job not added yet (Redis: ${(error as Error).message}); the reconciler adds it`);
    }
  }

  /**
   * Every launch, whoever asks (API, CLI, dashboard, a schedule's tick, an approval's final run), is
   * refused while a freeze window covers its template and inventory at the time it would start (runAt, or
   * now). An override (a written reason; the API lets only admins give one) lets it through and is
   * recorded on the release and in its audit entry; with no window in force there is nothing to override.
   */
  private async freezeCheck(
    template: string,
    inventory: string,
    runAt: Date | null,
    overrideReason: string | undefined,
    actor: LaunchActor,
  ): Promise<{ ok: true; override: FreezeOverrideRecord | null } | { ok: false; refusal: LaunchRefusal }> {
    const blocking = blockingOccurrence(await this.freezes.list(), template, inventory, runAt ?? new Date());
    if (!blocking) return { ok: true, override: null };
    const { window, startsAt, endsAt } = blocking;
    if (overrideReason !== undefined) {
      return { ok: true, override: { windowId: window.id, window: window.name, reason: overrideReason, by: requestedByOf(actor) } };
    }
    return refused({
      kind: 'frozen',
      window: { id: window.id, name: window.name, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() },
      message: frozenLaunchMessage(blocking, template, inventory),
    });
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

  /**
   * Every problem with a launch request, in one refusal: the caller's shape errors, the template and
   * inventory, the limit and tags, check mode (only where the template allows it), and each extra var against the template's declared vars (reserved
   * names, unknown names, type, bounds, pattern, enum, required). Gives the normalised vars (defaults applied).
   */
  private check(unchecked: UncheckedLaunchRequest, shapeErrors: readonly LaunchFieldError[]): { ok: true; value: Checked } | { ok: false; refusal: LaunchRefusal } {
    const { extraVars: rawVars, ...input } = unchecked;
    const errors: LaunchFieldError[] = [...shapeErrors];
    const failed = new Set(errors.map((e) => e.field.replace(/\..*$/, '')));
    // One catalog for the whole check, whatever a reload does meanwhile.
    const catalog = this.catalogs.current;
    const ok = (field: string) => !failed.has(field);

    const template = ok('template') ? catalog.templates[input.template] : undefined;
    const unknownTemplate = ok('template') && !template;
    if (unknownTemplate) {
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
    if (input.checkMode === true && ok('checkMode') && template && !template.checkMode) {
      errors.push({
        field: 'checkMode',
        message: `checkMode: template ${template.name} does not allow check mode (its catalog entry does not set checkMode: true)`,
      });
    }
    if (ok('tags')) input.tags?.forEach((tag, i) => optionProblem(`tags[${i}]`, tag, errors));
    if (ok('skipTags')) input.skipTags?.forEach((tag, i) => optionProblem(`skipTags[${i}]`, tag, errors));
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

    if (unknownTemplate) {
      return refused({ kind: 'unknown-template', template: input.template, errors, message: errors.map((e) => e.message).join('; ') });
    }
    if (errors.length > 0 || !template) return refused(invalid(errors));
    return { ok: true, value: { request: { ...input, extraVars: vars.vars }, catalog, template, inventory, extraVars: vars.vars, runAt } };
  }

  /**
   * The vars a rerun starts with. The original's secret values were given by its requester for its ref:
   * a rerun by someone else (another token, or a schedule or an approval), or on another ref (another
   * playbook), does not get them. Each such value must be given again in `choice.extraVars` (an invalid
   * refusal names the missing ones); a value equal to the template's own default is the catalog's, not
   * the requester's, and comes back as the default.
   */
  private rerunVars(
    original: ReleaseEntity,
    opened: { vars: Record<string, unknown>; secrets: Record<string, unknown> },
    template: CatalogTemplate | undefined,
    by: string,
    choice: RerunChoice,
  ): { ok: true; vars: Record<string, unknown> } | { ok: false; refusal: LaunchRefusal } {
    const givenAgain = choice.extraVars ?? {};
    const secretNames = new Set([...(template?.secretVars ?? []), ...(original.secretVars ?? [])]);
    const errors: LaunchFieldError[] = Object.keys(givenAgain)
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
    if (errors.length > 0) return refused(invalid(errors));
    return { ok: true, vars: Object.fromEntries([...Object.entries(vars), ...Object.entries(givenAgain)]) };
  }

  /** Secret values are stored encrypted or not at all: without SLIPWAY_SECRET_KEY such a release is refused. */
  private seal(vars: Record<string, unknown>, secretVars: readonly string[]) {
    try {
      return { ok: true as const, vars: sealSecretVars(vars, secretVars, this.config.secretKeys) };
    } catch (error) {
      if (!(error instanceof SecretCipherError)) throw error;
      return refused({
        kind: 'secrets-unavailable',
        message: `extraVars: ${error.message}; set SLIPWAY_SECRET_KEY (openssl rand -base64 32) on the API and every worker`,
      });
    }
  }
}

function optionProblem(field: string, value: string, errors: LaunchFieldError[]): void {
  const problem = validateOptionValue(field, value);
  if (problem) errors.push({ field, message: problem });
}

/** The audit entry of a new release: what was launched (secrets masked), and who or what asked. */
function auditDetails(release: ReleaseEntity, actor: LaunchActor, parts: CreateParts): Record<string, unknown> {
  const commit = release.commitSha ? { commitSha: release.commitSha, ref: release.gitRef } : {};
  const who = { actor: { kind: actor.kind, label: actorLabel(actor) } };
  if (parts.rerunOf !== undefined) {
    const override = release.freezeOverride ? { freezeOverride: release.freezeOverride } : {};
    return { rerunOf: parts.rerunOf, template: release.template, inventory: release.inventory, ...commit, ...override, ...who };
  }
  return {
    template: release.template,
    inventory: release.inventory,
    // Masked with the release's own list, as its view shows it.
    extraVars: redactSecrets(release.extraVars, release.secretVars ?? []),
    runAt: release.runAt,
    ...commit,
    ...(parts.idempotencyKey !== undefined ? { idempotencyKey: parts.idempotencyKey } : {}),
    ...(release.freezeOverride ? { freezeOverride: release.freezeOverride } : {}),
    ...(release.approval ? { approval: { approvers: release.approval.approvers, expiresAt: release.approval.expiresAt, preview: release.approval.preview } } : {}),
    ...(release.previewOf !== null ? { previewOf: release.previewOf } : {}),
    ...who,
  };
}
