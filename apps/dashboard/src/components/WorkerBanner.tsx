import { api } from '../api/client';
import type { Worker } from '@slipway/contracts';
import { Link } from '../lib/router';
import { usePolling } from '../lib/use-polling';

/** Often enough that starting a worker clears the banner within seconds. */
const REFRESH_MS = 3_000;

/**
 * Says, on every page, when no worker can take a release: none is alive (releases stay queued), or every
 * live one is draining (it finishes what it runs and takes nothing new).
 */
export function WorkerBanner() {
  const workers = usePolling('workers-banner', () => api<Worker[]>('GET', '/api/v1/workers'), REFRESH_MS);
  const list = workers.data;
  if (workers.error && !list) return null; // the pages say when the API cannot be reached
  if (!list) return null;
  let message: string | null = null;
  if (list.length === 0) message = 'No worker is running: new releases stay queued until one starts (npm run start:worker).';
  else if (list.every((w) => w.state === 'draining')) {
    message = `Every worker is draining (${list.length}): they finish what they run and take nothing new, so new releases stay queued until a worker starts.`;
  }
  if (!message) return null;
  return (
    <div className="banner banner-warn" role="alert" data-testid="worker-banner">
      {message} <Link href="/workers">Workers</Link>
    </div>
  );
}
