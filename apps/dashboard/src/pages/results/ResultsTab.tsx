import { memo, useCallback, useDeferredValue, useEffect, useRef, useState } from 'react';
import './results.css';
import type { ReleaseStatus } from '@slipway/contracts';
import { HOST_RESULT_STATUSES } from '@slipway/contracts/enums';
import { isFinished } from '../../api/types';
import { ScrollRegion } from '../../components/ScrollRegion';
import type { AnsibleStreamListener } from '../../log/use-release-live';
import { type GridCell, type GridFilter, type GridTask, type ResultsGridModel, STATUS_LETTER, hostStatus } from './grid-model';
import { type OpenResult, ResultDetail } from './ResultDetail';
import { ResultsGrid } from './ResultsGrid';
import { useReleaseResults } from './use-release-results';

const FILTERS: { value: GridFilter; label: string }[] = [
  { value: 'all', label: 'All results' },
  { value: 'changed', label: 'Changed only' },
  { value: 'failed', label: 'Failed only' },
];

/** The release page's "Results" tab (issue 21): the live host × task grid, one result opened, the host summary. */
export function ResultsTab({
  releaseId,
  status,
  checkMode,
  subscribe,
}: {
  releaseId: number;
  status: ReleaseStatus;
  checkMode: boolean;
  subscribe: (listener: AnsibleStreamListener) => () => void;
}) {
  const { model, version, events, loading, error, refresh } = useReleaseResults(releaseId, subscribe);
  // Finished: read the stored results once more, in case the page learnt it from its fallback refresh (the
  // live stream was down) rather than from the stream's end.
  const finished = isFinished(status);
  const wasFinished = useRef(finished);
  useEffect(() => {
    if (finished && !wasFinished.current) refresh();
    wasFinished.current = finished;
  }, [finished, refresh]);
  // The 500-row summary may lag the grid while results pour in: React renders it when it has time.
  const summaryVersion = useDeferredValue(version);
  const [filter, setFilter] = useState<GridFilter>('all');
  const [open, setOpen] = useState<OpenResult | null>(null);
  const view = model.view(filter);
  const allHosts = model.view('all').hosts;

  const onOpen = useCallback((host: string, task: GridTask, cell: GridCell) => setOpen({ host, task, cell }), []);
  const close = useCallback(() => {
    setOpen(null);
    document.querySelector<HTMLElement>('.results-grid [tabindex="0"]')?.focus();
  }, []);

  return (
    <div className="results-tab">
      <section className="card results" aria-labelledby="results-title">
        <div className="card-head">
          <h2 id="results-title">Results by host and task</h2>
          <fieldset className="results-filter">
            <legend className="visually-hidden">Show</legend>
            {FILTERS.map((f) => (
              <label key={f.value}>
                <input type="radio" name={`results-filter-${releaseId}`} value={f.value} checked={filter === f.value} onChange={() => setFilter(f.value)} /> {f.label}
              </label>
            ))}
          </fieldset>
        </div>
        {error && (
          <p className="notice notice-warn" role="alert">
            Results not updating: {error}
          </p>
        )}
        {events?.state === 'incomplete' && (
          <p className="notice notice-warn" data-testid="events-incomplete">
            The events of this release are incomplete: they stop at event #{events.nextSeq}.
          </p>
        )}
        {events && events.notKept > 0 && (
          <p className="notice notice-warn">{events.notKept} events could not be kept.</p>
        )}
        <p className="results-legend" aria-label="Legend">
          {HOST_RESULT_STATUSES.map((s) => (
            <span key={s} className="results-legend-item">
              <span className={`results-cell-inline rc-${s}`} aria-hidden="true">
                {STATUS_LETTER[s]}
              </span>{' '}
              {s === 'changed' && checkMode ? 'would change' : s}
            </span>
          ))}
        </p>
        <p className="results-count" role="status" data-testid="results-count" data-loading={loading ? 'true' : 'false'}>
          {loading && allHosts.length === 0
            ? 'Loading results…'
            : `${view.hosts.length} of ${allHosts.length} hosts, ${view.tasks.length} tasks${filter === 'all' ? '' : ` (${FILTERS.find((f) => f.value === filter)?.label.toLowerCase()})`}`}
        </p>
        {!loading && view.hosts.length === 0 && <p className="empty">{allHosts.length === 0 ? 'No results yet.' : 'No result matches this filter.'}</p>}
        <ResultsGrid model={model} hosts={view.hosts} tasks={view.tasks} checkMode={checkMode} onOpen={onOpen} />
      </section>
      {open && <ResultDetail releaseId={releaseId} open={open} checkMode={checkMode} onClose={close} />}
      <HostSummary model={model} version={summaryVersion} />
    </div>
  );
}

/** Per host: its overall status and its results by status. `version` only makes it render again. */
const HostSummary = memo(function HostSummary({ model }: { model: ResultsGridModel; version: number }) {
  const allHosts = model.view('all').hosts;
  return (
    <section className="card" aria-labelledby="host-summary-title">
      <h2 id="host-summary-title">Hosts</h2>
      <ScrollRegion label="Host summary" className="table-wrap host-summary-scroll">
        <table className="host-summary" data-testid="host-summary">
          <thead>
            <tr>
              <th scope="col">Host</th>
              <th scope="col">Status</th>
              {HOST_RESULT_STATUSES.map((s) => (
                <th key={s} scope="col" className="num">
                  {s}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {allHosts.map((host) => {
              const counts = model.summary(host);
              const status = hostStatus(counts);
              return (
                <tr key={host} data-host={host}>
                  <th scope="row">{host}</th>
                  <td data-testid="host-status">
                    <span className={`results-cell-inline rc-${status}`} aria-hidden="true">
                      {STATUS_LETTER[status]}
                    </span>{' '}
                    {status}
                  </td>
                  {HOST_RESULT_STATUSES.map((s) => (
                    <td key={s} className="num" data-count={s}>
                      {counts[s]}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollRegion>
    </section>
  );
});
