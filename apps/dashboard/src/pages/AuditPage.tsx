import { useEffect, useId, useState } from 'react';
import { api } from '../api/client';
import type { AuditEntry, AuditTargetType, Page } from '@slipway/contracts';
import { AUDIT_ACTIONS } from '@slipway/contracts/enums';
import { Pager } from '../components/Pager';
import { Time } from '../components/Time';
import { Link, listCursor, setListCursor, setListParam, useLocation } from '../lib/router';
import { usePolling } from '../lib/use-polling';
import { ScrollRegion } from '../components/ScrollRegion';

const PAGE_SIZE = 20;
const REFRESH_MS = 5_000;
const TARGET_TYPES: readonly AuditTargetType[] = ['release', 'token', 'catalog'];

/** Who did what, newest first: GET /api/v1/audit with its filters kept in the URL. */
export function AuditPage() {
  const { search } = useLocation();
  const actor = search.get('actor') ?? '';
  const action = search.get('action') ?? '';
  const targetType = search.get('targetType') ?? '';
  const targetId = search.get('targetId') ?? '';
  const cursor = listCursor(search);
  const ids = { actor: useId(), action: useId(), targetType: useId(), targetId: useId() };
  const [actorText, setActorText] = useState(actor);
  const [targetIdText, setTargetIdText] = useState(targetId);
  useEffect(() => setActorText(actor), [actor]);
  useEffect(() => setTargetIdText(targetId), [targetId]);
  const setFilter = (name: string, value: string) => setListParam('/audit', search, name, value);

  const query = new URLSearchParams({ ...cursor, limit: String(PAGE_SIZE) });
  if (actor) query.set('actor', actor);
  if (action) query.set('action', action);
  if (targetType) query.set('targetType', targetType);
  if (/^\d+$/.test(targetId)) query.set('targetId', targetId);
  const entries = usePolling(`audit?${query}`, () => api<Page<AuditEntry>>('GET', `/api/v1/audit?${query}`), REFRESH_MS);
  const data = entries.data;
  const filtered = Boolean(actor || action || targetType || targetId);
  const targetIdInvalid = targetId !== '' && !/^\d+$/.test(targetId);

  return (
    <section className="page">
      <div className="page-head">
        <h1>Audit</h1>
      </div>
      <p className="muted">Every release created, cancelled or re-run and every token created or revoked, with who did it.</p>

      <div className="filters" role="search" aria-label="Filter the audit trail">
        <form
          className="field inline"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setFilter('actor', actorText.trim());
          }}
        >
          <label htmlFor={ids.actor}>Actor</label>
          <input
            id={ids.actor}
            type="search"
            placeholder="token name"
            spellCheck={false}
            value={actorText}
            onChange={(e) => setActorText(e.target.value)}
            onBlur={() => actorText.trim() !== actor && setFilter('actor', actorText.trim())}
          />
        </form>
        <div className="field inline">
          <label htmlFor={ids.action}>Action</label>
          <select id={ids.action} value={action} onChange={(e) => setFilter('action', e.target.value)}>
            <option value="">All actions</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <div className="field inline">
          <label htmlFor={ids.targetType}>Target</label>
          <select id={ids.targetType} value={targetType} onChange={(e) => setFilter('targetType', e.target.value)}>
            <option value="">Any target</option>
            {TARGET_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        <form
          className="field inline"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setFilter('targetId', targetIdText.trim());
          }}
        >
          <label htmlFor={ids.targetId}>Target id</label>
          <input
            id={ids.targetId}
            type="text"
            inputMode="numeric"
            size={6}
            value={targetIdText}
            onChange={(e) => setTargetIdText(e.target.value)}
            aria-invalid={targetIdInvalid || undefined}
            aria-describedby={targetIdInvalid ? `${ids.targetId}-error` : undefined}
            onBlur={() => targetIdText.trim() !== targetId && setFilter('targetId', targetIdText.trim())}
          />
          {targetIdInvalid && (
            <span className="field-error" id={`${ids.targetId}-error`} role="alert" data-field="targetId">
              Target id must be a number (a release or token id)
            </span>
          )}
        </form>
        <p className="muted live-note" aria-live="polite">
          {entries.error ? <span className="error-text">Not updating: {entries.error.message}</span> : 'Updates live'}
        </p>
      </div>

      <ScrollRegion className="table-wrap" label="Audit trail table">
        <table>
          <caption className="visually-hidden">Audit trail, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {data?.items.map((entry) => (
              <tr key={entry.id} data-audit-id={entry.id}>
                <td data-label="When">
                  <Time iso={entry.at} />
                </td>
                <td data-label="Actor">{entry.actor}</td>
                <td data-label="Action">{entry.action}</td>
                <td data-label="Target">
                  {entry.targetType === 'release' ? (
                    <Link href={`/releases/${entry.targetId}`}>release #{entry.targetId}</Link>
                  ) : entry.targetType === 'catalog' ? (
                    <span>catalog</span>
                  ) : (
                    <span>
                      {entry.targetType} #{entry.targetId}
                    </span>
                  )}
                </td>
                <td data-label="Details" className="audit-details">
                  {formatDetails(entry.details)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {data && data.items.length === 0 && <p className="empty">{Object.keys(cursor).length > 0 ? 'No more entries this way.' : filtered ? 'No entry matches these filters.' : 'Nothing recorded yet.'}</p>}
        {!data && entries.loading && <p className="empty">Loading the audit trail…</p>}
        {!data && entries.error && (
          <p className="empty error-text" role="alert">
            Could not load the audit trail: {entries.error.message}
          </p>
        )}
      </ScrollRegion>
      {data && <Pager page={data} paged={Object.keys(cursor).length > 0} onPage={(to) => setListCursor('/audit', search, to)} />}
    </section>
  );
}

/** `{"name":"ci","role":"deployer"}` → "name ci · role deployer" (details never hold secrets). */
function formatDetails(details: Record<string, unknown>): string {
  return Object.entries(details ?? {})
    .map(([key, value]) => `${key} ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ');
}
