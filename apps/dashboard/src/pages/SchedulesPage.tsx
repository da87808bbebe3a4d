import { api } from '../api/client';
import type { FreezeWindow, Schedule, ScheduleDetail, ScheduleTick } from '@slipway/contracts';
import { ScrollRegion } from '../components/ScrollRegion';
import { formatDateTime } from '../lib/format';
import { Link } from '../lib/router';
import { usePolling } from '../lib/use-polling';

const REFRESH_MS = 5_000;

function TickCell({ tick }: { tick: ScheduleTick | null }) {
  if (!tick) return <span className="muted">never</span>;
  return (
    <span>
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

/** Every schedule with its last tick and next run (read-only: the CLI and API change them). */
export function SchedulesPage() {
  const schedules = usePolling('schedules', () => api<Schedule[]>('GET', '/api/v1/schedules'), REFRESH_MS);
  const list = schedules.data ?? [];
  return (
    <section className="page">
      <div className="page-head">
        <h1>Schedules</h1>
        <p className="muted">Created and changed with <code>slipway schedule …</code> or the API.</p>
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

/** One schedule: its next runs and its latest ticks, with the releases they made. */
export function ScheduleDetailPage({ id }: { id: number }) {
  const detail = usePolling(`schedule-${id}`, () => api<ScheduleDetail>('GET', `/api/v1/schedules/${id}`), REFRESH_MS);
  const s = detail.data;
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
      <div className="page-head">
        <h1>Schedule {s.name}</h1>
      </div>
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
        <dt>Next runs</dt>
        <dd data-testid="schedule-next">{s.nextRuns.length ? s.nextRuns.map(formatDateTime).join(', ') : '—'}</dd>
      </dl>
      <h2 className="section-title">Ticks</h2>
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

/** Every freeze window (admins define them with `slipway freeze create` or the API). */
export function FreezesPage() {
  const windows = usePolling('freezes', () => api<FreezeWindow[]>('GET', '/api/v1/freezes'), REFRESH_MS);
  const list = windows.data ?? [];
  return (
    <section className="page">
      <div className="page-head">
        <h1>Freeze windows</h1>
        <p className="muted">Defined by admins with <code>slipway freeze create</code> or the API.</p>
      </div>
      {!windows.data && <p className="empty">{windows.error ? `Could not load the freeze windows: ${windows.error.message}` : 'Loading…'}</p>}
      {windows.data && list.length === 0 && <p className="empty">No freeze window.</p>}
      {list.length > 0 && (
        <ScrollRegion className="table-wrap" label="Freeze windows table">
          <table data-testid="freezes-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">When</th>
                <th scope="col">Applies to</th>
              </tr>
            </thead>
            <tbody>
              {list.map((w) => (
                <tr key={w.id}>
                  <td>{w.name}</td>
                  <td>
                    {w.kind === 'one-off' ? `${formatDateTime(w.startsAt)} → ${formatDateTime(w.endsAt)}` : `${w.cron ?? ''} (${w.timeZone ?? ''}) for ${w.durationMinutes ?? 0} min`}
                  </td>
                  <td>
                    {w.templates ? `templates ${w.templates.join(', ')}` : 'every template'}; {w.inventories ? `inventories ${w.inventories.join(', ')}` : 'every inventory'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}
