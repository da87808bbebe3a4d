import { isPlainObject } from '@slipway/ansible';
import { createReleaseRequest, rerunReleaseRequest } from '@slipway/contracts';
import { type LaunchActor, type LaunchFieldError, type RerunChoice, type UncheckedLaunchRequest, idempotencyKeyProblem, invalid } from '@slipway/releases';
import type { Principal } from '../auth/principal.js';
import { checkContract } from '../common/contract-validation.js';
import { badRequest } from '../common/validation.js';
import { refusalException } from './refusal-status.js';

/** An API caller launches as its token (a dashboard session acts under its token's name). */
export function tokenActor(principal: Principal): LaunchActor {
  return { kind: 'token', name: principal.name };
}

/**
 * The shape check of a `POST /releases` body (the DTO's fields): its problems go to the launcher, which
 * answers them together with the catalog's in one 400. Throws only for a body that is not an object.
 */
export function createRequestShape(body: unknown, idempotencyKey: string | undefined): { request: UncheckedLaunchRequest; shapeErrors: LaunchFieldError[] } {
  if (!isPlainObject(body)) {
    // The key's own problem first, as the launcher answers it for an object body.
    const keyProblem = idempotencyKey !== undefined ? idempotencyKeyProblem(idempotencyKey) : null;
    throw refusalException(keyProblem ?? invalid([{ field: 'body', message: 'body: must be a JSON object' }]));
  }
  // extraVars is checked by the catalog's rules in the launcher, on the object exactly as parsed (own "__proto__" included).
  const { extraVars, ...fields } = body;
  // An own "__proto__" (or any other unknown field) is refused by name by the strict contract.
  const { value: input, errors } = checkContract(createReleaseRequest, fields);
  return { request: { ...input, extraVars }, shapeErrors: errors };
}

/** The shape check of a `POST /releases/:id/rerun` body: a 400 before the original is looked up. */
export function rerunChoiceShape(body: unknown): RerunChoice {
  const raw = body ?? {};
  if (!isPlainObject(raw)) throw badRequest([{ field: 'body', message: 'body: must be a JSON object ({"ref": "..."} or {"latest": true}) or empty' }]);
  const { value: choice, errors } = checkContract(rerunReleaseRequest, raw);
  if (choice.ref !== undefined && choice.latest) errors.push({ field: 'latest', message: 'latest: give either ref or latest, not both' });
  if (choice.extraVars !== undefined && !isPlainObject(choice.extraVars)) errors.push({ field: 'extraVars', message: 'extraVars: must be an object of secret var name to value' });
  if (errors.length > 0) throw badRequest(errors);
  return choice;
}
