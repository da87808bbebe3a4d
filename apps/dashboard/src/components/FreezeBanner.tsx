import { api } from '../api/client';
import type { FreezeOccurrence, FreezeStatus } from '@slipway/contracts';
import { usePolling } from '../lib/use-polling';

/** A freeze starts at a minute boundary at the finest; a banner a few seconds late is fine. */
const REFRESH_MS = 15_000;

function scope(o: FreezeOccurrence): string {
  const parts = [o.templates ? `templates ${o.templates.join(', ')}` : null, o.inventories ? `inventories ${o.inventories.join(', ')}` : null].filter(Boolean);
  return parts.length ? ` (${parts.join('; ')})` : ' (every release)';
}

const local = (iso: string) => new Date(iso).toLocaleString();

/**
 * On every page: a freeze window in force (launches refused until it ends, unless an admin overrides it in
 * writing), and those starting within the next 24 h.
 */
export function FreezeBanner() {
  const status = usePolling('freeze-banner', () => api<FreezeStatus>('GET', '/api/v1/freezes/status'), REFRESH_MS);
  const data = status.data;
  if (!data || (data.active.length === 0 && data.upcoming.length === 0)) return null;
  return (
    <>
      {data.active.map((o) => (
        <div key={`a-${o.windowId}-${o.startsAt}`} className="banner banner-warn" role="alert" data-testid="freeze-banner">
          Freeze <strong>{o.window}</strong> is in force until {local(o.endsAt)}{scope(o)}: releases are refused until then unless an admin overrides it with a written reason.
        </div>
      ))}
      {data.upcoming.map((o) => (
        <div key={`u-${o.windowId}-${o.startsAt}`} className="banner" role="status" data-testid="freeze-upcoming">
          Freeze <strong>{o.window}</strong> starts {local(o.startsAt)} and lasts until {local(o.endsAt)}{scope(o)}.
        </div>
      ))}
    </>
  );
}
