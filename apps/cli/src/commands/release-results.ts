import type { SlipwayHttp } from '../http.js';
import { formatTable } from '../table.js';
// Types only (erased from the bundle): the API's contract.
import type { AnsibleEventBody, AnsibleEventPage, AnsibleEventSummary, HostSummary, ReleaseEventsState, ReleaseHosts } from '@slipway/contracts';
// The import-free file the dashboard's result view uses too: one reading of ansible's diff shapes.
import { diffEntries } from '@slipway/contracts/unified-diff';

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

/** One changed (or, in check mode, would-change) result with its diff as unified diff text, as `show --diff` prints it. */
export interface ResultDiff {
  seq: number;
  host: string | null;
  task: string | null;
  /** One unified diff per diff entry of the result that shows a change (ansible may give several). */
  diffs: string[];
}

/** How many results' bodies are read at once (each is one small GET). */
const DIFF_READS_AT_ONCE = 8;

/**
 * The diffs of a release's changed results (in check mode: the ones that would change), in the order they
 * happened, each read whole from GET /ansible-events/:seq: masked by the API, printed as it gives them.
 */
export async function fetchDiffs(http: SlipwayHttp, id: number): Promise<{ results: ResultDiff[]; withoutDiff: number; cut: boolean }> {
  const { items, cut } = await fetchResults(http, id, ['changed']);
  const results: ResultDiff[] = new Array<ResultDiff>(items.length);
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const item = items[i];
      const { body } = await http.request<AnsibleEventBody>('GET', `/api/v1/releases/${id}/ansible-events/${item.seq}`);
      const diffs = diffEntries(body.event.diff).map((lines) => lines.map((l) => l.text).join('\n'));
      results[i] = { seq: item.seq, host: item.host, task: item.task, diffs };
    }
  };
  await Promise.all(Array.from({ length: Math.min(DIFF_READS_AT_ONCE, items.length) }, reader));
  const withDiff = results.filter((r) => r.diffs.length > 0);
  return { results: withDiff, withoutDiff: results.length - withDiff.length, cut };
}

/** `release show --diff`: each result's unified diffs under a line naming host and task. */
export function diffsText(found: { results: ResultDiff[]; withoutDiff: number; cut: boolean }, checkMode: boolean): string {
  const verb = checkMode ? 'would change' : 'changed';
  const blocks = found.results.map((r) => [`### ${r.host ?? ''} · ${r.task ?? ''} (${verb}, seq ${r.seq})`, ...r.diffs].join('\n'));
  const summary = `${found.results.length} ${found.results.length === 1 ? 'result' : 'results'} with a diff${found.withoutDiff > 0 ? `; ${found.withoutDiff} more ${verb} without one` : ''}${found.cut ? ` (first ${MAX_LISTED} results read)` : ''}`;
  return [...blocks, summary].join('\n\n');
}
