import { useId, useState } from 'react';
import type { Release, Session } from '@slipway/contracts';
import { ApiError, api } from '../api/client';
import { canApprove } from '../api/types';
import { formatAge, formatDateTime, formatUtc } from '../lib/format';
import { Link } from '../lib/router';

/**
 * A release of a template that requires approval: where its approval stands, every decision, its
 * check-mode preview (the per-host "would change" results are on the preview's page), and, for an
 * approver while it waits, approve or reject with a comment (required to reject).
 */
export function ApprovalPanel({ release, session, now, onDecided }: { release: Release; session: Session | null | undefined; now: number; onDecided: (updated: Release) => void }) {
  const approval = release.approval;
  const commentId = useId();
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!approval) return null;
  const awaiting = release.status === 'awaiting-approval';
  const own = session?.name === release.requestedBy && !approval.allowSelfApproval;
  const approvedByMe = session ? approval.approvedBy.includes(session.name) : false;

  async function decide(what: 'approve' | 'reject'): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      const body = comment.trim() === '' ? {} : { comment: comment.trim() };
      onDecided(await api<Release>('POST', `/api/v1/releases/${release.id}/${what}`, body));
      setComment('');
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="approval-title" data-testid="approval-panel">
      <h2 id="approval-title">Approval</h2>
      <p data-testid="approval-state">
        {awaiting ? 'Waiting for approval: ' : 'Approvals: '}
        <strong>
          {approval.approvedBy.length} of {approval.required}
        </strong>
        {approval.approvedBy.length > 0 && <> (by {approval.approvedBy.join(', ')})</>}
        {awaiting && (
          <>
            {' '}
            · expires{' '}
            <time dateTime={approval.expiresAt} title={formatUtc(approval.expiresAt)}>
              {formatAge(approval.expiresAt, now)}
            </time>
          </>
        )}
        {awaiting && approval.mayApprove && (
          <span className="muted"> · may approve: {approval.mayApprove.length > 0 ? approval.mayApprove.join(', ') : 'no one else'}</span>
        )}
      </p>
      {approval.previewReleaseId !== null && (
        <p>
          Check-mode preview (same parameters, same commit):{' '}
          <Link href={`/releases/${approval.previewReleaseId}`} data-testid="preview-link">
            release #{approval.previewReleaseId}
          </Link>{' '}
          <span className="muted">— its Results tab shows what would change on each host.</span>
        </p>
      )}
      {approval.decisions.length > 0 && (
        <ol className="approval-decisions" aria-label="Decisions">
          {approval.decisions.map((d, i) => (
            <li key={i}>
              <strong>{d.by}</strong> {d.decision === 'approve' ? 'approved' : 'rejected'}{' '}
              <time dateTime={d.at} title={formatUtc(d.at)}>
                {formatDateTime(d.at)}
              </time>
              {d.comment && <>: “{d.comment}”</>}
            </li>
          ))}
        </ol>
      )}
      {awaiting && canApprove(session?.role) && (
        <form className="approval-form" onSubmit={(e) => e.preventDefault()}>
          {own && <p className="notice">You requested this release: another approver must approve it (you may still reject it).</p>}
          {approvedByMe && <p className="notice">You approved it; it waits for another approver.</p>}
          <div className="field">
            <label htmlFor={commentId}>Comment (required to reject)</label>
            <textarea id={commentId} value={comment} maxLength={2000} onChange={(e) => setComment(e.target.value)} />
          </div>
          {error && (
            <p className="error-text" role="alert">
              {error}
            </p>
          )}
          <div className="actions">
            {!own && !approvedByMe && (
              <button type="button" className="button" disabled={busy} onClick={() => void decide('approve')}>
                Approve
              </button>
            )}
            <button type="button" className="button danger" disabled={busy} onClick={() => void decide('reject')}>
              Reject
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
