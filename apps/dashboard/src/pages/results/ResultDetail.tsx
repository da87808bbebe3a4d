import { useEffect, useRef, useState } from 'react';
import type { AnsibleEventBody } from '@slipway/contracts';
import { api } from '../../api/client';
import { formatDuration } from '../../lib/format';
import { type GridCell, type GridTask, STATUS_LETTER, statusLabel } from './grid-model';
import { diffEntries } from '@slipway/contracts/unified-diff';

export interface OpenResult {
  host: string;
  task: GridTask;
  cell: GridCell;
}

const text = (value: unknown): string | null => {
  if (value === undefined || value === null || value === '') return null;
  if (Array.isArray(value) && value.length === 0) return null;
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
};

/** One host's result of one task, read whole (masked) from GET /ansible-events/:seq: msg, stdout, stderr, diff. */
export function ResultDetail({ releaseId, open, checkMode, onClose }: { releaseId: number; open: OpenResult; checkMode: boolean; onClose: () => void }) {
  const [body, setBody] = useState<AnsibleEventBody>();
  const [error, setError] = useState<string>();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const seq = open.cell.seq;

  useEffect(() => {
    let stopped = false;
    setBody(undefined);
    setError(undefined);
    api<AnsibleEventBody>('GET', `/api/v1/releases/${releaseId}/ansible-events/${seq}`).then(
      (b) => !stopped && setBody(b),
      (e: Error) => !stopped && setError(e.message),
    );
    headingRef.current?.focus();
    return () => {
      stopped = true;
    };
  }, [releaseId, seq]);

  const result = body?.event.result as Record<string, unknown> | null | undefined;
  const diffs = body ? diffEntries(body.event.diff) : [];
  const label = statusLabel(open.cell, checkMode);

  return (
    <section className="card result-detail" aria-labelledby="result-detail-title" data-testid="result-detail">
      <div className="card-head">
        <h3 id="result-detail-title" ref={headingRef} tabIndex={-1}>
          {open.task.task} on {open.host}
        </h3>
        <button type="button" className="button subtle small" onClick={onClose}>
          Close result
        </button>
      </div>
      <dl className="result-facts">
        <dt>Status</dt>
        <dd data-testid="result-status">
          <span className={`results-cell-inline rc-${open.cell.status}`} aria-hidden="true">
            {STATUS_LETTER[open.cell.status]}
          </span>{' '}
          {label}
        </dd>
        <dt>Duration</dt>
        <dd>{open.cell.durationMs === null ? '—' : formatDuration(open.cell.durationMs)}</dd>
        <dt>Event</dt>
        <dd>#{seq}</dd>
      </dl>
      {error && (
        <p className="notice notice-warn" role="alert">
          Could not load this result: {error}
        </p>
      )}
      {!body && !error && <p role="status">Loading the result…</p>}
      {body && result === null && <p className="empty">Hidden: the task has no_log set, so its result was not kept.</p>}
      {body && result && (
        <>
          {(['msg', 'stdout', 'stderr'] as const).map((field) => {
            const value = text(result[field]);
            return value === null ? null : (
              <div key={field} className="result-field">
                <h4>{field}</h4>
                <pre data-testid={`result-${field}`} tabIndex={0}>
                  {value}
                </pre>
              </div>
            );
          })}
        </>
      )}
      {diffs.map((lines, i) => (
        <div key={i} className="result-field">
          <h4>Diff{diffs.length > 1 ? ` ${i + 1}` : ''}</h4>
          <pre className="result-diff" data-testid="result-diff" tabIndex={0} aria-label="Unified diff: lines starting with - were removed, + added">
            {lines.map((line, n) => (
              <span key={n} className={`diff-${line.kind}`}>
                {line.text}
                {'\n'}
              </span>
            ))}
          </pre>
        </div>
      ))}
      {body && result && (
        <details className="result-raw">
          <summary>Whole result (JSON)</summary>
          <pre tabIndex={0}>{JSON.stringify(result, null, 2)}</pre>
        </details>
      )}
    </section>
  );
}
