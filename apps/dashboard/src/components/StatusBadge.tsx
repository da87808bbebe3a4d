import type { ReleaseStatus } from '@slipway/contracts';

/** Status as text plus colour plus a shape, so it reads without colour vision too. */
const SYMBOL: Record<ReleaseStatus, string> = {
  'awaiting-approval': '⧗',
  queued: '◷',
  running: '▶',
  succeeded: '✓',
  failed: '✕',
  cancelled: '⊘',
  interrupted: '!',
  rejected: '✕',
  expired: '⌛',
};

export function StatusBadge({ status }: { status: ReleaseStatus }) {
  return (
    <span className={`badge status-${status}`} data-status={status}>
      <span aria-hidden="true" className="badge-symbol">
        {SYMBOL[status]}
      </span>
      {status}
    </span>
  );
}
