import { formatAge, formatDateTime, formatUtc } from '../lib/format';

/**
 * A moment in the browser's time zone, zone named; UTC on hover. With `now`, a relative age
 * ("12 s ago") follows the local time.
 */
export function Time({ iso, now, className }: { iso: string | null | undefined; now?: number; className?: string }) {
  if (!iso) return <span className={className}>—</span>;
  return (
    <>
      <time dateTime={iso} className={className} title={formatUtc(iso)}>
        {formatDateTime(iso)}
      </time>
      {now !== undefined && <span className="hint age"> {formatAge(iso, now)}</span>}
    </>
  );
}
