import type { ReactNode } from 'react';
import { api } from '../api/client';
import type { Release } from '@slipway/contracts';
import { canDeploy, isFinished } from '../api/types';
import { CommitRows } from '../components/CommitRows';
import { ConfirmButton } from '../components/ConfirmButton';
import { StatusBadge } from '../components/StatusBadge';
import { formatAge, formatDateTime, formatDuration, formatUtc } from '../lib/format';
import { focusMainHeading } from '../lib/focus-heading';
import { Link, navigate } from '../lib/router';
import { useNow } from '../lib/use-now';
import { LogViewer } from '../log/LogViewer';
import { useReleaseLive } from '../log/use-release-live';
import { useSession } from '../session';
import { WhatRan } from './WhatRan';
import { ApprovalPanel } from './ApprovalPanel';
import { ScrollRegion } from '../components/ScrollRegion';
import { ReleaseTabs } from './results/ReleaseTabs';
import { ResultsTab } from './results/ResultsTab';

export function ReleasePage({ id }: { id: number }) {
  const { session } = useSession();
  const live = useReleaseLive(id);
  const release = live.release;
  const now = useNow();

  if (!release) {
    return (
      <section className="page">
        <p className="empty" role={live.error ? 'alert' : 'status'}>
          {live.error ? `Could not load release #${id}: ${live.error}` : `Loading release #${id}…`}
        </p>
        <Link href="/">← All releases</Link>
      </section>
    );
  }

  const deployer = canDeploy(session?.role);
  const finished = isFinished(release.status);

  async function cancel(): Promise<void> {
    const updated = await api<Release>('POST', `/api/v1/releases/${id}/cancel`);
    live.replaceRelease(updated);
    // The cancel button is gone now: give focus to the heading (the status beside it is announced).
    focusMainHeading();
  }

  async function rerun(): Promise<void> {
    const created = await api<Release>('POST', `/api/v1/releases/${id}/rerun`);
    navigate(`/releases/${created.id}`);
  }

  return (
    <section className="page release-page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link href="/">Releases</Link> <span aria-hidden="true">/</span> <span>#{release.id}</span>
      </nav>
      <div className="page-head">
        <h1>
          <span className="release-id">#{release.id}</span> {release.template}
          <span className="on-inventory"> on {release.inventory}</span>
        </h1>
        <div className="head-status" aria-live="polite" data-testid="release-status">
          <StatusBadge status={release.status} />
        </div>
        {deployer && (
          <div className="actions">
            {!finished && !release.cancelRequestedBy && (
              <ConfirmButton
                label="Cancel release"
                title={`Cancel release #${release.id}?`}
                confirmLabel="Cancel release"
                dismissLabel="Keep running"
                danger
                onConfirm={cancel}
              >
                {release.status === 'running'
                  ? 'ansible-playbook is stopped (SIGINT, so it cleans up); the release ends as cancelled.'
                  : 'It has not started; it will not run.'}
              </ConfirmButton>
            )}
            {finished && (
              <ConfirmButton label="Re-run" title={`Re-run release #${release.id}?`} confirmLabel="Start again" dismissLabel="Not now" onConfirm={rerun}>
                A new release of <strong>{release.template}</strong> on <strong>{release.inventory}</strong> starts with the same
                parameters.
              </ConfirmButton>
            )}
          </div>
        )}
      </div>
      {release.reason && (
        <p className={`notice ${release.status === 'succeeded' ? '' : 'notice-warn'}`} data-testid="release-reason">
          {release.reason}
        </p>
      )}
      {release.cancelRequestedBy && !finished && <p className="notice">Cancel requested by {release.cancelRequestedBy}…</p>}
      {live.streamError && (
        <p className="notice notice-warn" role="alert">
          {live.streamError}
        </p>
      )}

      <ApprovalPanel release={release} session={session} now={now} onDecided={live.replaceRelease} />
      <div className="release-grid">
        <Parameters release={release} />
        <Timeline release={release} now={now} />
      </div>
      <WhatRan release={release} />
      <Recap release={release} />
      <ReleaseTabs
        results={() => <ResultsTab releaseId={release.id} status={release.status} checkMode={release.checkMode} subscribe={live.subscribeAnsible} />}
        log={
          <LogViewer
            buffer={live.buffer}
            version={live.version}
            live={live.streaming}
            status={release.status}
            downloadHref={`/api/v1/releases/${release.id}/log?download=1&format=plain`}
            downloadName={`release-${release.id}.log`}
          />
        }
      />
    </section>
  );
}

function Parameters({ release }: { release: Release }) {
  const extraVars = Object.keys(release.extraVars ?? {}).length > 0 ? JSON.stringify(release.extraVars, null, 2) : null;
  return (
    <section className="card" aria-labelledby="params-title">
      <h2 id="params-title">Parameters</h2>
      <dl className="props">
        <dt>Template</dt>
        <dd>{release.template}</dd>
        <dt>Inventory</dt>
        <dd>{release.inventory}</dd>
        <CommitRows release={release} />
        <dt>Limit</dt>
        <dd>{release.limit ?? <span className="muted">all hosts</span>}</dd>
        <dt>Tags</dt>
        <dd>{release.tags?.length ? release.tags.join(', ') : <span className="muted">all</span>}</dd>
        {release.skipTags?.length ? (
          <>
            <dt>Skip tags</dt>
            <dd>{release.skipTags.join(', ')}</dd>
          </>
        ) : null}
        <dt>Check mode</dt>
        <dd>{release.checkMode ? 'yes (--check --diff)' : 'no'}</dd>
        <dt>Lock</dt>
        <dd>
          <code>{release.lockKey}</code>
        </dd>
        <dt>Requested by</dt>
        <dd>{release.requestedBy}</dd>
        {release.rerunOf !== null && (
          <>
            <dt>Re-run of</dt>
            <dd>
              <Link href={`/releases/${release.rerunOf}`}>#{release.rerunOf}</Link>
            </dd>
          </>
        )}
        {release.previewOf !== null && (
          <>
            <dt>Preview of</dt>
            <dd>
              <Link href={`/releases/${release.previewOf}`}>#{release.previewOf}</Link> <span className="muted">(awaiting approval)</span>
            </dd>
          </>
        )}
        {release.freezeOverride && (
          <>
            <dt>Freeze overridden</dt>
            <dd data-testid="freeze-override">
              <strong>{release.freezeOverride.window}</strong>, by {release.freezeOverride.by}: {release.freezeOverride.reason}
            </dd>
          </>
        )}
        <dt>Extra vars</dt>
        <dd>{extraVars ? <ScrollRegion className="code-scroll" label="Extra vars">
            <pre className="code">{extraVars}</pre>
          </ScrollRegion> : <span className="muted">none</span>}</dd>
      </dl>
    </section>
  );
}

function Timeline({ release, now }: { release: Release; now: number }) {
  const scheduled = release.runAt && release.status === 'queued' && new Date(release.runAt).getTime() > now;
  const runningFor = release.status === 'running' && release.startedAt ? now - new Date(release.startedAt).getTime() : null;
  return (
    <section className="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <ol className="timeline">
        <Step done label={release.approval ? 'Requested' : 'Queued'} at={release.createdAt} now={now}>
          by {release.requestedBy}
        </Step>
        {release.runAt && (
          <Step done={!scheduled} label={scheduled ? 'Scheduled' : release.approval ? 'Approved' : 'Start time'} at={release.runAt} now={now} />
        )}
        {release.status === 'queued' && release.waitingReason && (
          <li className="step waiting">
            <span className="step-label">Waiting</span>
            <span className="step-detail">{release.waitingReason}</span>
          </li>
        )}
        <Step done={Boolean(release.startedAt)} label="Started" at={release.startedAt} now={now}>
          {release.workerId && (
            <>
              on worker <code>{release.workerId}</code>
            </>
          )}
        </Step>
        <Step done={Boolean(release.finishedAt)} label="Finished" at={release.finishedAt} now={now}>
          {release.finishedAt && (
            <>
              <StatusBadge status={release.status} />
              {release.exitCode !== null && <span className="muted"> exit code {release.exitCode}</span>}
            </>
          )}
        </Step>
      </ol>
      <p className="duration">
        Duration: <strong>{runningFor !== null ? `${formatDuration(runningFor)} so far` : formatDuration(release.durationMs)}</strong>
      </p>
    </section>
  );
}

function Step({ done, label, at, now, children }: { done: boolean; label: string; at: string | null; now: number; children?: ReactNode }) {
  return (
    <li className={done ? 'step done' : 'step'}>
      <span className="step-label">{label}</span>
      {at ? (
        <time dateTime={at} className="step-time" title={`${formatAge(at, now)} · ${formatUtc(at)}`}>
          {formatDateTime(at)}
        </time>
      ) : (
        <span className="step-time muted">—</span>
      )}
      {children && <span className="step-detail">{children}</span>}
    </li>
  );
}

const RECAP_COLUMNS = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'] as const;

function Recap({ release }: { release: Release }) {
  if (!release.recap || Object.keys(release.recap).length === 0) return null;
  return (
    <section className="card" aria-labelledby="recap-title">
      <h2 id="recap-title">PLAY RECAP</h2>
      <ScrollRegion className="table-wrap" label="PLAY RECAP table">
        <table className="recap">
          <thead>
            <tr>
              <th scope="col">Host</th>
              {RECAP_COLUMNS.map((c) => (
                <th scope="col" key={c} className="num">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {Object.entries(release.recap).map(([host, counts]) => (
              <tr key={host}>
                <th scope="row">{host}</th>
                {RECAP_COLUMNS.map((c) => (
                  <td key={c} className={`num recap-${c}${counts[c] > 0 ? ' nonzero' : ''}`}>
                    {counts[c]}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </section>
  );
}
