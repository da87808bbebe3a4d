import { type FormEvent, useId, useState } from 'react';
import { api } from '../api/client';
import type { CreatedWebhook, Webhook, WebhookDelivery, WebhookEventType } from '@slipway/contracts';
import { WEBHOOK_EVENT_TYPES } from '@slipway/contracts/enums';
import { Time } from '../components/Time';
import { ScrollRegion } from '../components/ScrollRegion';
import { usePolling } from '../lib/use-polling';

/** Admins register webhook endpoints (secret shown once), see each one's deliveries and redeliver any. */
export function WebhooksPage() {
  const webhooks = usePolling('webhooks', () => api<Webhook[]>('GET', '/api/v1/webhooks'), 10_000);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEventType[]>(['release.succeeded', 'release.failed']);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const [shown, setShown] = useState<number | null>(null);
  const urlId = useId();

  async function create(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(null);
    try {
      setCreated(await api<CreatedWebhook>('POST', '/api/v1/webhooks', { url: url.trim(), events }));
      setUrl('');
      webhooks.refresh();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  const toggle = (type: WebhookEventType) => setEvents((now) => (now.includes(type) ? now.filter((t) => t !== type) : [...now, type]));

  return (
    <section className="page">
      <div className="page-head">
        <h1>Webhooks</h1>
      </div>
      <form className="card form" onSubmit={(e) => void create(e)} noValidate>
        <h2>New endpoint</h2>
        {error && (
          <div className="notice notice-warn" role="alert">
            {error}
          </div>
        )}
        <div className="field">
          <label htmlFor={urlId}>URL</label>
          <input id={urlId} type="url" value={url} spellCheck={false} placeholder="https://ci.example.com/hooks/slipway" onChange={(e) => setUrl(e.target.value)} />
        </div>
        <fieldset className="field">
          <legend>Events</legend>
          {WEBHOOK_EVENT_TYPES.map((type) => (
            <label key={type} className="checkbox">
              <input type="checkbox" checked={events.includes(type)} onChange={() => toggle(type)} /> {type}
            </label>
          ))}
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="button primary">
            Create endpoint
          </button>
        </div>
      </form>

      {created && (
        <div className="notice" role="status">
          <p>
            Endpoint {created.id} created. Copy its signing secret now: it will not be shown again.
          </p>
          <p>
            <code data-testid="new-webhook-secret">{created.secret}</code>{' '}
            <button type="button" className="button subtle small" onClick={() => setCreated(null)}>
              Done
            </button>
          </p>
        </div>
      )}

      <ScrollRegion className="table-wrap" label="Webhook endpoints table">
        <table>
          <caption className="visually-hidden">Webhook endpoints</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">State</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(webhooks.data ?? []).map((w) => (
              <tr key={w.id}>
                <td>
                  <code>{w.url}</code>
                </td>
                <td>{w.events.join(', ')}</td>
                <td>{w.enabled ? 'enabled' : `disabled: ${w.disabledReason ?? ''}`}</td>
                <td>
                  <Time iso={w.createdAt} /> by {w.createdBy}
                </td>
                <td>
                  <button type="button" className="button subtle small" onClick={() => setShown(shown === w.id ? null : w.id)}>
                    {shown === w.id ? 'Hide deliveries' : 'Deliveries'}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      {shown !== null && <Deliveries key={shown} webhookId={shown} />}
    </section>
  );
}

/** One endpoint's newest deliveries: state, attempts and the last answer; any can be sent again. */
function Deliveries({ webhookId }: { webhookId: number }) {
  const deliveries = usePolling(`webhook-${webhookId}-deliveries`, () => api<WebhookDelivery[]>('GET', `/api/v1/webhooks/${webhookId}/deliveries`), 5_000);
  const [error, setError] = useState<string | null>(null);

  async function redeliver(id: number): Promise<void> {
    setError(null);
    try {
      await api('POST', `/api/v1/webhooks/${webhookId}/deliveries/${id}/redeliver`);
      deliveries.refresh();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <div className="card">
      <h2>Deliveries of endpoint {webhookId}</h2>
      {error && (
        <div className="notice notice-warn" role="alert">
          {error}
        </div>
      )}
      <ScrollRegion className="table-wrap" label="Webhook deliveries table">
        <table>
          <caption className="visually-hidden">Deliveries</caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Release</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last answer</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {(deliveries.data ?? []).map((d) => {
              const last = d.attemptLog.at(-1);
              return (
                <tr key={d.id} data-state={d.state}>
                  <td>{d.eventType}</td>
                  <td>{d.releaseId === null ? '' : <a href={`/releases/${d.releaseId}`}>#{d.releaseId}</a>}</td>
                  <td>{d.state}</td>
                  <td>{d.attempts}</td>
                  <td title={last?.responseHead ?? undefined}>
                    {last ? `${last.statusCode ?? last.error ?? ''} (${last.latencyMs} ms)` : ''}
                  </td>
                  <td>
                    <button type="button" className="button subtle small" onClick={() => void redeliver(d.id)}>
                      Redeliver
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </ScrollRegion>
    </div>
  );
}
