import type { ApprovalsList } from '@slipway/contracts';
import { api } from '../api/client';
import { ScrollRegion } from '../components/ScrollRegion';
import { formatAge, formatUtc } from '../lib/format';
import { Link } from '../lib/router';
import { useNow } from '../lib/use-now';
import { usePolling } from '../lib/use-polling';

const REFRESH_MS = 3_000;

/** "Waiting for my approval": releases the signed-in approver may approve now, oldest first. */
export function ApprovalsPage() {
  const now = useNow();
  const list = usePolling('approvals', () => api<ApprovalsList>('GET', '/api/v1/approvals?waitingFor=me'), REFRESH_MS);
  const items = list.data?.items;
  return (
    <section className="page">
      <div className="page-head">
        <h1>Waiting for my approval</h1>
      </div>
      <ScrollRegion className="table-wrap" label="Releases waiting for my approval">
        <table className="releases-table">
          <caption className="visually-hidden">Releases waiting for my approval, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Release</th>
              <th scope="col">Template</th>
              <th scope="col">Inventory</th>
              <th scope="col">Requested by</th>
              <th scope="col">Approvals</th>
              <th scope="col">Preview</th>
              <th scope="col">Expires</th>
            </tr>
          </thead>
          <tbody>
            {items?.map(({ release: r }) => (
              <tr key={r.id} data-release-id={r.id}>
                <td data-label="Release">
                  <Link href={`/releases/${r.id}`} className="release-link">
                    #{r.id}
                  </Link>
                </td>
                <td data-label="Template">{r.template}</td>
                <td data-label="Inventory">{r.inventory}</td>
                <td data-label="Requested by">{r.requestedBy}</td>
                <td data-label="Approvals">
                  {r.approval?.approvedBy.length ?? 0} of {r.approval?.required ?? 0}
                </td>
                <td data-label="Preview">
                  {r.approval?.previewReleaseId != null ? <Link href={`/releases/${r.approval.previewReleaseId}`}>#{r.approval.previewReleaseId}</Link> : <span className="muted">none</span>}
                </td>
                <td data-label="Expires">
                  {r.approval && (
                    <time dateTime={r.approval.expiresAt} title={formatUtc(r.approval.expiresAt)}>
                      {formatAge(r.approval.expiresAt, now)}
                    </time>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {items && items.length === 0 && <p className="empty">Nothing is waiting for your approval.</p>}
        {!items && list.loading && <p className="empty">Loading…</p>}
        {!items && list.error && (
          <p className="empty error-text" role="alert">
            Could not load the releases waiting for approval: {list.error.message}
          </p>
        )}
      </ScrollRegion>
    </section>
  );
}
