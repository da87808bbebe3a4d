/** Human-readable times and durations for tables and timelines. */

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms < 0) return '—';
  if (ms < 1_000) return `${ms} ms`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(seconds % 60).padStart(2, '0')} s`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** "12 s ago", "in 5 min": relative to `now`, which callers tick so the text stays current. */
export function formatAge(iso: string | null | undefined, now: number): string {
  if (!iso) return '—';
  const delta = now - new Date(iso).getTime();
  const abs = Math.abs(delta);
  let text: string;
  if (abs < 1_000) return 'just now';
  if (abs < 60_000) text = `${Math.round(abs / 1_000)} s`;
  else if (abs < 3_600_000) text = `${Math.round(abs / 60_000)} min`;
  else if (abs < 86_400_000) text = `${Math.round(abs / 3_600_000)} h`;
  else text = `${Math.round(abs / 86_400_000)} d`;
  return delta >= 0 ? `${text} ago` : `in ${text}`;
}

/** In the browser's time zone, which it names ("Dec 1, 2026, 19:42:16 GMT+5:30"). */
const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
});

export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

/** "2026-12-01 14:12:16 UTC": the same instant for everyone, shown on hover. */
export function formatUtc(iso: string | null | undefined): string {
  return iso ? `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC` : '';
}

/** The browser's calendar day "2026-12-01" at local midnight, as the ISO instant the API filters on. */
export function localDayStart(day: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])).toISOString();
}

/** The instant the local day after `day` starts (an exclusive upper bound for "to `day`"). */
export function localDayEnd(day: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  return new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + 1).toISOString();
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
