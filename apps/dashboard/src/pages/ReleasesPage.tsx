import { useEffect, useId, useState } from 'react';
import { api } from '../api/client';
import type { Page, Release, Template } from '@slipway/contracts';
import { RELEASE_STATUSES } from '@slipway/contracts/enums';
import { canDeploy } from '../api/types';
import { Pager } from '../components/Pager';
import { StatusBadge } from '../components/StatusBadge';
import { Time } from '../components/Time';
import { formatAge, formatDuration, localDayEnd, localDayStart } from '../lib/format';
import { Link, listCursor, setListCursor, setListParam, useLocation } from '../lib/router';
import { useNow } from '../lib/use-now';
import { usePolling } from '../lib/use-polling';
import { useSession } from '../session';
import { ScrollRegion } from '../components/ScrollRegion';

const PAGE_SIZE = 25;
/** The table refreshes itself: new releases and status changes show up without a reload. */
const REFRESH_MS = 2_000;

export function ReleasesPage() {
  const { session } = useSession();
  const { search } = useLocation();
  const status = search.get('status') ?? '';
  const template = search.get('template') ?? '';
  const requestedBy = search.get('requestedBy') ?? '';
  const from = search.get('from') ?? '';
  const to = search.get('to') ?? '';
  const cursor = listCursor(search);
  const now = useNow();
  const statusId = useId();
  const templateId = useId();
  const requesterId = useId();
  const fromId = useId();
  const toId = useId();
  const [requesterText, setRequesterText] = useState(requestedBy);
  useEffect(() => setRequesterText(requestedBy), [requestedBy]);

  const query = new URLSearchParams({ ...cursor, limit: String(PAGE_SIZE) });
  if (status) query.set('status', status);
  if (template) query.set('template', template);
  if (requestedBy) query.set('requestedBy', requestedBy);
  // The days are the browser's: "from Dec 1" starts at local midnight, "to Dec 1" ends at the next one.
  const createdFrom = from ? localDayStart(from) : undefined;
  const createdTo = to ? localDayEnd(to) : undefined;
  if (createdFrom) query.set('createdFrom', createdFrom);
  if (createdTo) query.set('createdTo', createdTo);
  const filtered = Boolean(status || template || requestedBy || createdFrom || createdTo);
  const releases = usePolling(query.toString(), () => api<Page<Release>>('GET', `/api/v1/releases?${query}`), REFRESH_MS);
  const templates = usePolling('templates', () => api<Template[]>('GET', '/api/v1/templates'), 60_000);

  const setFilter = (name: string, value: string) => setListParam('/', search, name, value);

  const data = releases.data;
  return (
    <section className="page">
      <div className="page-head">
        <h1>Releases</h1>
        {canDeploy(session?.role) && (
          <Link href="/releases/new" className="button primary">
            New release
          </Link>
        )}
      </div>

      <div className="filters" role="search" aria-label="Filter releases">
        <div className="field inline">
          <label htmlFor={statusId}>Status</label>
          <select id={statusId} value={status} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">All statuses</option>
            {RELEASE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor={templateId}>Template</label>
          <select id={templateId} value={template} onChange={(e) => setFilter('template', e.target.value)}>
            <option value="">All templates</option>
            {(templates.data ?? []).map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <form
          className="field inline"
          onSubmit={(e) => {
            e.preventDefault();
            setFilter('requestedBy', requesterText.trim());
          }}
        >
          <label htmlFor={requesterId}>Requested by</label>
          <input
            id={requesterId}
            type="search"
            value={requesterText}
            placeholder="token name"
            spellCheck={false}
            onChange={(e) => setRequesterText(e.target.value)}
            onBlur={() => requesterText.trim() !== requestedBy && setFilter('requestedBy', requesterText.trim())}
          />
        </form>
        <div className="field inline">
          <label htmlFor={fromId}>From</label>
          <input id={fromId} type="date" value={from} max={to || undefined} onChange={(e) => setFilter('from', e.target.value)} />
        </div>
        <div className="field inline">
          <label htmlFor={toId}>To</label>
          <input id={toId} type="date" value={to} min={from || undefined} onChange={(e) => setFilter('to', e.target.value)} />
        </div>
        <p className="muted live-note" aria-live="polite">
          {releases.error ? <span className="error-text">Not updating: {releases.error.message}</span> : 'Updates live'}
        </p>
      </div>

      <ScrollRegion className="table-wrap" label="Releases table">
        <table className="releases-table">
          <caption className="visually-hidden">Releases, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Release</th>
              <th scope="col">Status</th>
              <th scope="col">Template</th>
              <th scope="col">Inventory</th>
              <th scope="col">Requested by</th>
              <th scope="col">Created</th>
              <th scope="col" className="num">
                Duration
              </th>
            </tr>
          </thead>
          <tbody>
            {data?.items.map((r) => (
              <tr key={r.id} data-release-id={r.id}>
                <td data-label="Release">
                  <Link href={`/releases/${r.id}`} className="release-link">
                    #{r.id}
                  </Link>
                </td>
                <td data-label="Status">
                  <StatusBadge status={r.status} />
                  {r.status === 'queued' && r.waitingReason && <span className="hint"> waiting on lock</span>}
                  {r.status === 'queued' && r.runAt && new Date(r.runAt).getTime() > now && (
                    <span className="hint"> scheduled {formatAge(r.runAt, now)}</span>
                  )}
                </td>
                <td data-label="Template">{r.template}</td>
                <td data-label="Inventory">{r.inventory}</td>
                <td data-label="Requested by">{r.requestedBy}</td>
                <td data-label="Created">
                  <Time iso={r.createdAt} now={now} />
                </td>
                <td data-label="Duration" className="num">
                  {r.status === 'running' && r.startedAt
                    ? formatDuration(now - new Date(r.startedAt).getTime())
                    : formatDuration(r.durationMs)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && data.items.length === 0 && (
          <p className="empty">{Object.keys(cursor).length > 0 ? 'No more releases this way.' : filtered ? 'No release matches these filters.' : 'No releases yet.'}</p>
        )}
        {!data && releases.loading && <p className="empty">Loading releases…</p>}
        {!data && releases.error && (
          <p className="empty error-text" role="alert">
            Could not load releases: {releases.error.message}
          </p>
        )}
      </ScrollRegion>

      {data && <Pager page={data} paged={Object.keys(cursor).length > 0} onPage={(to) => setListCursor('/', search, to)} />}
    </section>
  );
}
