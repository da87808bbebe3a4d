import { type Catalog, type ReleaseCommitView, commitUrlFor, redactSecrets } from '@slipway/ansible';
import type { ReleaseEntity } from '@slipway/db';
import { type ReleaseWhatRan, approvedBy, releaseEventsStateOf, releaseSecretVars } from '@slipway/releases';

/**
 * The release as the API shows it: secret vars are masked with the release's own list, recorded when it
 * was created, so a later catalog (template gone, var no longer secret) never unmasks it. Releases from
 * before that list existed fall back to today's catalog. The encrypted values are never shown.
 */
export function toReleaseView(release: ReleaseEntity, catalog: Catalog) {
  const secretVars = releaseSecretVars(release, catalog.templates[release.template]?.secretVars);
  const end = release.finishedAt ?? null;
  return {
    id: release.id,
    template: release.template,
    inventory: release.inventory,
    extraVars: redactSecrets(release.extraVars, secretVars),
    secretVars,
    limit: release.limit,
    tags: release.tags,
    skipTags: release.skipTags,
    checkMode: release.checkMode,
    lockKey: release.lockKey,
    status: release.status,
    exitCode: release.exitCode,
    reason: release.reason,
    waitingReason: release.waitingReason,
    workerId: release.workerId,
    requestedBy: release.requestedBy,
    rerunOf: release.rerunOf,
    cancelRequestedBy: release.cancelRequestedBy,
    logLines: release.logLines,
    recap: release.recap,
    events: releaseEventsStateOf(release),
    createdAt: release.createdAt,
    runAt: release.runAt,
    startedAt: release.startedAt,
    finishedAt: release.finishedAt,
    durationMs: release.startedAt && end ? end.getTime() - release.startedAt.getTime() : null,
    freezeOverride: release.freezeOverride ?? null,
    approval: approvalView(release),
    previewOf: release.previewOf ?? null,
    ...whatRan(release),
    ...commitView(release, catalog),
  };
}

/** Where its approval stands (contract: ReleaseApproval), or null for a release that needed none. */
function approvalView(release: ReleaseEntity) {
  const approval = release.approval;
  if (!approval) return null;
  return {
    required: approval.approvers,
    approvedBy: approvedBy(approval),
    allowSelfApproval: approval.allowSelfApproval,
    expiresAt: approval.expiresAt,
    preview: approval.preview,
    previewReleaseId: approval.previewReleaseId ?? null,
    decisions: approval.decisions,
  };
}

/** The "what ran" fields (contract: libs/releases what-ran.ts); the argv was masked by the worker before it was stored. */
function whatRan(release: ReleaseEntity): ReleaseWhatRan {
  return {
    argv: release.argv,
    ansibleVersion: release.ansibleVersion,
    catalogDigest: release.catalogDigest,
  };
}

/** What revision it runs; the link uses today's catalog's commitUrl (a link template, not a fact of the release). */
function commitView(release: ReleaseEntity, catalog: Catalog): ReleaseCommitView {
  return { commitSha: release.commitSha, ref: release.gitRef, commitUrl: commitUrlFor(catalog.git?.commitUrl, release.commitSha) };
}
export type ReleaseView = ReturnType<typeof toReleaseView>;
