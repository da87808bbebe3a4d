// The idempotency rules moved to the release launcher (libs/releases/src/launch); re-exported for the API's spec.
export { IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_WINDOW_MS, canonicalJson, launchRequestIdentity } from '@slipway/releases';
