import type { ReleaseEntity } from '@slipway/db';

/** One bad field of a launch request: `field` as the caller spelled it (extraVars.x, tags[0], ref). */
export interface LaunchFieldError {
  field: string;
  message: string;
}

/**
 * Why the launcher did not start a release: a value each caller maps (the API to a status code, a
 * scheduler to a log line and a retry), never an exception. `message` is the human sentence.
 */
export type LaunchRefusal =
  /** The request breaks a rule (shape, catalog, vars, limit, ref, runAt, idempotency key): every bad field. */
  | { kind: 'invalid'; errors: LaunchFieldError[]; message: string }
  /** As 'invalid' (every bad field is in `errors`), and among them the template is not in the catalog. */
  | { kind: 'unknown-template'; template: string; errors: LaunchFieldError[]; message: string }
  /** The release has secret values but this process has no SLIPWAY_SECRET_KEY to seal them. */
  | { kind: 'secrets-unavailable'; message: string }
  /** Conflicts with state: an idempotency key used for another request or still in flight, an original's unreadable secrets. */
  | { kind: 'conflict'; message: string }
  /** The caller may not do this to this release (a requester approving their own release, issue 22). */
  | { kind: 'forbidden'; message: string }
  /** The release a rerun names does not exist. */
  | { kind: 'not-found'; message: string }
  /**
   * A freeze window is in force for this template and inventory at the time it would start: `window`
   * names it and when it ends. An admin may override it with a written reason (LaunchRequest.overrideFreeze).
   */
  | { kind: 'frozen'; window: { id: number; name: string; startsAt: string; endsAt: string }; message: string }
  /** A dependency is down (the queue's Redis, the git remote): nothing was created; retry later. */
  | { kind: 'unavailable'; message: string };

export type LaunchResult =
  | { ok: true; release: ReleaseEntity; /** An idempotent retry answered with the release created earlier. */ replayed: boolean }
  | { ok: false; refusal: LaunchRefusal };

export function invalid(errors: LaunchFieldError[], message = errors.map((e) => e.message).join('; ')): LaunchRefusal {
  return { kind: 'invalid', errors, message };
}

export function refused(refusal: LaunchRefusal): { ok: false; refusal: LaunchRefusal } {
  return { ok: false, refusal };
}
