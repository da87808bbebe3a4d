/**
 * TTL bounds. RFC 2181 §8 allows 0 to 2^31-1; an operator's zone wants less: below 30 s resolvers are
 * hammered for no gain, and above a week a mistake outlives anyone's patience (RFC 8767 caps caches at
 * 7 days anyway). These are the service's bounds, said in every refusal.
 */
export const MIN_TTL = 30;
export const MAX_TTL = 604_800;
export const DEFAULT_TTL = 3_600;

export function ttlProblem(ttl: unknown): string | null {
  if (typeof ttl !== 'number' || !Number.isInteger(ttl)) return 'must be a whole number of seconds';
  if (ttl < MIN_TTL || ttl > MAX_TTL) return `must be between ${MIN_TTL} and ${MAX_TTL} seconds (got ${ttl})`;
  return null;
}
