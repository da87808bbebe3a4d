/**
 * SOA serials in the date form YYYYMMDDnn (RFC 1912 §2.2), always increasing: a render takes today's
 * first serial, or the previous serial plus one when that is already today's or later. Past 99 changes a
 * day the serial runs into the next days' numbers, which is still correct (only "greater" matters to
 * secondaries, RFC 1982), and the date form catches up once changes slow down.
 */
export const MAX_SERIAL = 4_294_967_295;

export function nextSerial(previous: number | null, now: Date): number {
  const today =
    now.getUTCFullYear() * 1_000_000 + (now.getUTCMonth() + 1) * 10_000 + now.getUTCDate() * 100;
  const next = previous === null || previous < today ? today : previous + 1;
  if (next > MAX_SERIAL) throw new Error(`SOA serial ${next} would pass 2^32-1; the zone needs a serial reset (RFC 1982)`);
  return next;
}
