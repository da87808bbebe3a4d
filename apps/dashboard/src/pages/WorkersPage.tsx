import { api } from '../api/client';
import type { QueueSummary, Worker } from '@slipway/contracts';
import { formatAge, formatCount, formatDateTime, formatUtc } from '../lib/format';
import { Link } from '../lib/router';
import { useNow } from '../lib/use-now';
import { usePolling } from '../lib/use-polling';
import { ScrollRegion } from '../components/ScrollRegion';

/** Short enough to watch a worker go from active to draining to gone during a restart. */
const REFRESH_MS = 1_000;

export function WorkersPage() {
  const now = useNow();
  const workers = usePolling('workers', () => api<Worker[]>('GET', '/api/v1/workers'), REFRESH_MS);
  const queue = usePolling('queue', () => api<QueueSummary>('GET', '/api/v1/queue'), REFRESH_MS);

  const list = workers.data ?? [];
  const draining = list.filter((w) => w.state === 'draining').length;

  return (
    <section className="page">
      <div className="page-head">
        <h1>Workers</h1>
        <p className="muted live-note" aria-live="polite">
          {workers.error ? <span className="error-text">Not updating: {workers.error.message}</span> : 'Updates every second'}
        </p>
      </div>

      <QueueCards summary={queue.data} />

      <h2 className="section-title">
        Live workers{' '}
        <span className="muted">
          {formatCount(list.length)}
          {draining > 0 && `, ${draining} draining`}
        </span>
      </h2>
      {workers.data && list.length === 0 && <p className="empty">No worker is running. Releases wait in the queue until one starts.</p>}
      {!workers.data && <p className="empty">{workers.error ? 'Could not load the workers.' : 'Loading workers…'}</p>}
      <ul className="worker-list" aria-label="Live workers">
        {list.map((w) => (
          <li key={w.id} className={`card worker worker-${w.state}`} data-worker-id={w.id} data-state={w.state}>
            <div className="worker-head">
              <h3 className="worker-id">{w.id}</h3>
              <span className={`badge state-${w.state}`} data-testid="worker-state">
                <span aria-hidden="true" className="badge-symbol">
                  {w.state === 'active' ? '●' : '◐'}
                </span>
                {w.state}
              </span>
            </div>
            {w.state === 'draining' && (
              <p className="worker-note">Takes no new release; finishing {w.releases.length === 0 ? 'up' : 'the ones below'} before it exits.</p>
            )}
            <dl className="props compact">
              <dt>Host</dt>
              <dd>{w.host}</dd>
              <dt>PID</dt>
              <dd>{w.pid}</dd>
              <dt>Version</dt>
              <dd>{w.version}</dd>
              <dt>In flight</dt>
              <dd>
                {w.releases.length === 0 ? (
                  <span className="muted">idle</span>
                ) : (
                  w.releases.map((id, i) => (
                    <span key={id}>
                      {i > 0 && ', '}
                      <Link href={`/releases/${id}`}>#{id}</Link>
                    </span>
                  ))
                )}{' '}
                <span className="muted">
                  ({w.releases.length}/{w.concurrency})
                </span>
              </dd>
              <dt>Heartbeat</dt>
              <dd>
                <time dateTime={w.heartbeatAt} title={`${formatDateTime(w.heartbeatAt)} · ${formatUtc(w.heartbeatAt)}`}>
                  {formatAge(w.heartbeatAt, now)}
                </time>
              </dd>
              <dt>Started</dt>
              <dd>
                <time dateTime={w.startedAt} title={`${formatDateTime(w.startedAt)} · ${formatUtc(w.startedAt)}`}>
                  {formatAge(w.startedAt, now)}
                </time>
              </dd>
            </dl>
          </li>
        ))}
      </ul>

      <h2 className="section-title">Waiting on a lock</h2>
      {queue.data && queue.data.lockWaits.length === 0 && <p className="empty">No release is waiting on a lock.</p>}
      {queue.data && queue.data.lockWaits.length > 0 && (
        <ScrollRegion className="table-wrap" label="Workers table">
          <table>
            <thead>
              <tr>
                <th scope="col">Release</th>
                <th scope="col">Template</th>
                <th scope="col">Lock</th>
                <th scope="col">Why</th>
                <th scope="col">Queued</th>
              </tr>
            </thead>
            <tbody>
              {queue.data.lockWaits.map((r) => (
                <tr key={r.id}>
                  <td data-label="Release">
                    <Link href={`/releases/${r.id}`}>#{r.id}</Link>
                  </td>
                  <td data-label="Template">{r.template}</td>
                  <td data-label="Lock">
                    <code>{r.lockKey}</code>
                  </td>
                  <td data-label="Why">{r.waitingReason}</td>
                  <td data-label="Queued">
                    <time dateTime={r.createdAt} title={`${formatDateTime(r.createdAt)} · ${formatUtc(r.createdAt)}`}>
                      {formatAge(r.createdAt, now)}
                    </time>
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

function QueueCards({ summary }: { summary: QueueSummary | undefined }) {
  const value = (n: number | undefined) => (n === undefined ? '…' : formatCount(n));
  return (
    <section className="queue-cards" aria-label="Queue">
      <div className="stat card">
        <span className="stat-value" data-testid="queue-waiting">
          {value(summary?.waiting)}
        </span>
        <span className="stat-label">waiting</span>
      </div>
      <div className="stat card">
        <span className="stat-value" data-testid="queue-running">
          {value(summary?.running)}
        </span>
        <span className="stat-label">running</span>
      </div>
      <div className="stat card">
        <span className="stat-value" data-testid="queue-scheduled">
          {value(summary?.scheduled)}
        </span>
        <span className="stat-label">scheduled</span>
      </div>
      <div className="stat card">
        <span className="stat-value">{value(summary?.lockWaits.length)}</span>
        <span className="stat-label">on a lock</span>
      </div>
    </section>
  );
}
