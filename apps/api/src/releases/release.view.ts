import { type Catalog, redactSecrets } from '@slipway/ansible';
import type { ReleaseEntity } from '@slipway/db';

/** The release as the API shows it: secret extra vars (catalog `secretVars`) are masked. */
export function toReleaseView(release: ReleaseEntity, catalog: Catalog) {
  const secretVars = catalog.templates[release.template]?.secretVars ?? [];
  const end = release.finishedAt ?? null;
  return {
    id: release.id,
    template: release.template,
    inventory: release.inventory,
    extraVars: redactSecrets(release.extraVars, secretVars),
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
    createdAt: release.createdAt,
    runAt: release.runAt,
    startedAt: release.startedAt,
    finishedAt: release.finishedAt,
    durationMs: release.startedAt && end ? end.getTime() - release.startedAt.getTime() : null,
  };
}
export type ReleaseView = ReturnType<typeof toReleaseView>;
