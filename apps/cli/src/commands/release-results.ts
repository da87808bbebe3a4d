import type { SlipwayHttp } from '../http.js';
import { formatTable } from '../table.js';
// Types only (erased from the bundle): the API's contract.
import type { AnsibleEventPage, AnsibleEventSummary, HostSummary, ReleaseEventsState, ReleaseHosts } from '@slipway/contracts';

/** At most this many results are listed by --changed / --failed (the API pages; the CLI says when it stopped). */
const MAX_LISTED = 5_000;

/** "events complete (1 024 stored)", or where they stop, and any not kept: said under every table. */
export function eventsStateLine(events: ReleaseEventsState): string {
  const notKept = events.notKept > 0 ? `; ${events.notKept} events not kept` : '';
  switch (events.state) {
    case 'complete':
      return `events complete (${events.stored} stored${notKept})`;
    case 'incomplete':
      return `events INCOMPLETE: ${events.stored} stored, missing from sequence ${events.nextSeq}${notKept}`;
    case 'receiving':
      return `events arriving (${events.stored} stored so far${notKept})`;
    default:
      return `no events recorded${notKept}`;
  }
}

/** The host table of `release show --hosts` and the end of `release create --wait`. */
export function hostTable(summary: ReleaseHosts): string {
  const rows = summary.hosts.map((h) => [
    h.host,
    h.status,
    ...(['ok', 'changed', 'failed', 'unreachable', 'skipped', 'ignored', 'rescued'] as const).map((s) => String(h.counts[s])),
    h.firstFailure ? `${h.firstFailure.task}: ${h.firstFailure.msg ?? h.firstFailure.status}` : '',
  ]);
  const table = rows.length ? formatTable(['host', 'status', 'ok', 'changed', 'failed', 'unreachable', 'skipped', 'ignored', 'rescued', 'first failure'], rows) : 'no host results';
  return `${table}\n${eventsStateLine(summary.events)}`;
}

/** Hosts that failed or were unreachable: `create --wait` exits non-zero for any. */
export function failedHosts(hosts: HostSummary[]): string[] {
  return hosts.filter((h) => h.status === 'failed' || h.status === 'unreachable').map((h) => h.host);
}

export function fetchHosts(http: SlipwayHttp, id: number): Promise<ReleaseHosts> {
  return http.request<ReleaseHosts>('GET', `/api/v1/releases/${id}/hosts`).then((r) => r.body);
}

/** Host results of these statuses, in the order they happened (the API pages newest first). */
export async function fetchResults(http: SlipwayHttp, id: number, statuses: readonly string[]): Promise<{ items: AnsibleEventSummary[]; cut: boolean }> {
  const items: AnsibleEventSummary[] = [];
  let cut = false;
  for (const status of statuses) {
    let before: number | null = null;
    do {
      const query: string = `status=${status}&type=host_result&limit=500${before !== null ? `&before=${before}` : ''}`;
      const { body }: { body: AnsibleEventPage } = await http.request<AnsibleEventPage>('GET', `/api/v1/releases/${id}/ansible-events?${query}`);
      items.push(...body.items);
      before = body.nextBefore;
      if (items.length >= MAX_LISTED) {
        cut = before !== null;
        break;
      }
    } while (before !== null);
  }
  items.sort((a, b) => a.seq - b.seq);
  return { items: items.slice(0, MAX_LISTED), cut };
}

export function resultsTable(items: AnsibleEventSummary[], cut: boolean): string {
  if (items.length === 0) return 'none';
  const rows = items.map((e) => [String(e.seq), e.host ?? '', e.status ?? '', e.task ?? '', e.durationMs === null ? '' : `${e.durationMs} ms`]);
  return `${formatTable(['seq', 'host', 'status', 'task', 'duration'], rows)}${cut ? `\n(first ${MAX_LISTED} shown)` : ''}`;
}
