/**
 * When a failed delivery is tried again (README "Webhooks"). With the default base of 10 s
 * (WEBHOOK_RETRY_BASE_MS) and 8 attempts (WEBHOOK_MAX_ATTEMPTS) the retries come after
 * 10 s, 1 min, 6 min, 36 min, 3.6 h, 12 h and 12 h: the last attempt is at least 28.3 h after the first.
 * Each delay grows by a random 0–25 % (jitter), so receivers coming back from an outage are not hit by
 * every sender's retry at the same instant; jitter only lengthens, so the total never falls below 28.3 h.
 */
const MULTIPLIERS = [1, 6, 36, 216, 1296, 4320];

/** The delay before attempt `attempt + 1`, after `attempt` (1-based) attempts failed. */
export function retryDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const multiplier = MULTIPLIERS[Math.min(attempt, MULTIPLIERS.length) - 1] ?? 1;
  return Math.round(baseMs * multiplier * (1 + 0.25 * random()));
}
