/**
 * Who or what asked for a release. The API launches for a token (or a dashboard session, which acts
 * under its token's name); a scheduler tick, an approval or a rerun by a system caller names itself.
 */
export type LaunchActor =
  | { kind: 'token'; name: string }
  | { kind: 'schedule'; id: number }
  | { kind: 'approval'; releaseId: number }
  /** A DNS zone's reload release, launched by the worker after a render installed its file (libs/dns). */
  | { kind: 'dns-zone'; zone: string };

/** How the actor reads in the audit trail and, for callers that are not tokens, in `requestedBy`. */
export function actorLabel(actor: LaunchActor): string {
  switch (actor.kind) {
    case 'token':
      return `token ${actor.name}`;
    case 'schedule':
      return `schedule ${actor.id}`;
    case 'approval':
      return `approval of release ${actor.releaseId}`;
    case 'dns-zone':
      return `dns zone ${actor.zone}`;
  }
}

/**
 * What the release row's `requestedBy` (and the audit entry's actor column) holds: a token's bare name,
 * as before actors existed (no migration; the rerun secret rule and idempotency scopes compare it),
 * and the label for every other kind.
 */
export function requestedByOf(actor: LaunchActor): string {
  return actor.kind === 'token' ? actor.name : actorLabel(actor);
}
