import { formatCount } from '../lib/format';

/** "← Newer  1–25 of 312  Older →" for the newest-first paginated lists. */
export function Pager({ page, pageSize, total, onPage }: { page: number; pageSize: number; total: number; onPage: (page: number) => void }) {
  if (total === 0) return null;
  const lastPage = Math.max(1, Math.ceil(total / pageSize));
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(page * pageSize, total);
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="button subtle" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ← Newer
      </button>
      <span className="muted">
        {formatCount(first)}–{formatCount(last)} of {formatCount(total)}
      </span>
      <button type="button" className="button subtle" disabled={page >= lastPage} onClick={() => onPage(page + 1)}>
        Older →
      </button>
    </nav>
  );
}
