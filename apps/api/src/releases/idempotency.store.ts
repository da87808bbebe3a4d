// Moved to libs/releases (the release launcher's idempotency); kept here for the medium tests' import path.
export { type ClaimResult, IdempotencyStore } from '@slipway/releases';
