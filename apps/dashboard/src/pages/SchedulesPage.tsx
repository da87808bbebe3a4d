import { useState } from 'react';
import { api } from '../api/client';
import type { Schedule, ScheduleDetail, ScheduleTick } from '@slipway/contracts';
import { canDeploy } from '../api/types';
import { ConfirmButton } from '../components/ConfirmButton';
import { ScrollRegion } from '../components/ScrollRegion';
import { formatDateTime } from '../lib/format';
import { Link, navigate } from '../lib/router';
import { usePolling } from '../lib/use-polling';
import { useSession } from '../session';

const REFRESH_MS = 5_000;

function TickCell({ tick }: { tick: ScheduleTick | null }) {
  if (!tick) return <span className="muted">never</span>;
  return (
    <span className="tick-cell">
      {formatDateTime(tick.tickAt)} · {tick.outcome}
      {tick.releaseId !== null && (
        <>
          {' '}
          <Link href={`/releases/${tick.releaseId}`}>#{tick.releaseId}</Link>
        </>
      )}
    </span>
  );
}

/** Every schedule with its last tick and next run; deployers create them here (or with `slipway schedule create`). */
export function SchedulesPage() {
  const { session } = useSession();
  const schedules = usePolling('schedules', () => api<Schedule[]>('GET', '/api/v1/schedules'), REFRESH_MS);
  const list = schedules.data ?? [];
  return (
    <section className="page">
      <div className="page-head">
        <h1>Schedules</h1>
        {canDeploy(session?.role) && (
          <div className="actions">
            <Link href="/schedules/new" className="button primary">
              New schedule
            </Link>
          </div>
        )}
      </div>
      {!schedules.data && <p className="empty">{schedules.error ? `Could not load the schedules: ${schedules.error.message}` : 'Loading schedules…'}</p>}
      {schedules.data && list.length === 0 && <p className="empty">No schedule yet.</p>}
      {list.length > 0 && (
        <ScrollRegion className="table-wrap" label="Schedules table">
          <table data-testid="schedules-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Template</th>
                <th scope="col">Cron</th>
                <th scope="col">State</th>
                <th scope="col">Last run</th>
                <th scope="col">Next run</th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.id}>
                  <td>
                    <Link href={`/schedules/${s.id}`}>{s.name}</Link>
                  </td>
                  <td>
                    {s.template} on {s.inventory}
                  </td>
                  <td>
                    <code>{s.cron}</code> {s.timeZone}
                  </td>
                  <td title={s.pausedReason ?? undefined}>{s.state}</td>
                  <td>
                    <TickCell tick={s.lastTick} />
                  </td>
                  <td>{s.nextRuns[0] ? formatDateTime(s.nextRuns[0]) : <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}

/** One schedule: its last and next runs and its latest ticks, with the releases they made; deployers pause, resume or delete it. */
export function ScheduleDetailPage({ id }: { id: number }) {
  const { session } = useSession();
  const detail = usePolling(`schedule-${id}`, () => api<ScheduleDetail>('GET', `/api/v1/schedules/${id}`), REFRESH_MS);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const s = detail.data;

  async function act(path: 'pause' | 'resume'): Promise<void> {
    setBusy(true);
    setActionError(null);
    try {
      await api('POST', `/api/v1/schedules/${id}/${path}`, path === 'pause' ? {} : undefined);
      detail.refresh();
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  async function remove(): Promise<void> {
    await api('DELETE', `/api/v1/schedules/${id}`);
    navigate('/schedules');
  }

  if (!s) {
    return (
      <section className="page">
        <p className="empty">{detail.error ? `Could not load schedule ${id}: ${detail.error.message}` : 'Loading schedule…'}</p>
        <Link href="/schedules">← All schedules</Link>
      </section>
    );
  }
  return (
    <section className="page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link href="/schedules">Schedules</Link> <span aria-hidden="true">/</span> <span>{s.name}</span>
      </nav>
      <div className="page-head">
        <h1>Schedule {s.name}</h1>
        {canDeploy(session?.role) && (
          <div className="actions">
            {s.state === 'active' ? (
              <button type="button" className="button" disabled={busy} onClick={() => void act('pause')}>
                Pause
              </button>
            ) : (
              <button type="button" className="button primary" disabled={busy} onClick={() => void act('resume')}>
                Resume
              </button>
            )}
            <ConfirmButton label="Delete" title={`Delete schedule ${s.name}?`} confirmLabel="Delete schedule" danger onConfirm={remove}>
              It launches nothing more and its tick history is deleted; the releases it made stay.
            </ConfirmButton>
          </div>
        )}
      </div>
      {actionError && (
        <p className="notice notice-warn" role="alert">
          {actionError}
        </p>
      )}
      <dl className="props">
        <dt>Launches</dt>
        <dd>
          {s.template} on {s.inventory}
        </dd>
        <dt>Cron</dt>
        <dd>
          <code>{s.cron}</code> in {s.timeZone}
        </dd>
        <dt>State</dt>
        <dd data-testid="schedule-state">
          {s.state}
          {s.pausedReason && ` (${s.pausedReason})`}
        </dd>
        <dt>Last run</dt>
        <dd data-testid="schedule-last">
          <TickCell tick={s.lastTick} />
        </dd>
        <dt>Next runs</dt>
        <dd data-testid="schedule-next">
          {s.nextRuns.length ? (
            <ol className="run-list">
              {s.nextRuns.map((run) => (
                <li key={run}>
                  <time dateTime={run}>{formatDateTime(run)}</time>
                </li>
              ))}
            </ol>
          ) : (
            '—'
          )}
        </dd>
      </dl>
      <h2 className="section-title">Ticks and the releases they made</h2>
      {s.ticks.length === 0 ? (
        <p className="empty">No tick yet.</p>
      ) : (
        <ScrollRegion className="table-wrap" label="Ticks table">
          <table data-testid="schedule-ticks">
            <thead>
              <tr>
                <th scope="col">Tick</th>
                <th scope="col">Outcome</th>
                <th scope="col">Release</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {s.ticks.map((t) => (
                <tr key={t.tickAt}>
                  <td>{formatDateTime(t.tickAt)}</td>
                  <td>{t.outcome}</td>
                  <td>{t.releaseId !== null ? <Link href={`/releases/${t.releaseId}`}>#{t.releaseId}</Link> : '—'}</td>
                  <td>{t.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      <Link href="/schedules">← All schedules</Link>
    </section>
  );
}
