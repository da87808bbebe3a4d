import { type FormEvent, useId, useState } from 'react';
import { api } from '../api/client';
import type { CreatedWebhook, DeletedWebhook, UpdateWebhookRequest, Webhook, WebhookDelivery, WebhookEventType, WebhookFormat } from '@slipway/contracts';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_FORMATS } from '@slipway/contracts/enums';
import { ConfirmButton } from '../components/ConfirmButton';
import { Time } from '../components/Time';
import { ScrollRegion } from '../components/ScrollRegion';
import { usePolling } from '../lib/use-polling';

/** Admins register webhook endpoints (secret shown once), edit or delete them, see each one's deliveries and redeliver any. */
export function WebhooksPage() {
  const webhooks = usePolling('webhooks', () => api<Webhook[]>('GET', '/api/v1/webhooks'), 10_000);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEventType[]>(['release.succeeded', 'release.failed']);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const [shown, setShown] = useState<number | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const [removed, setRemoved] = useState<string | null>(null);
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
              <tr key={w.id} data-webhook-id={w.id}>
                <td>
                  <code>{w.url}</code>
                </td>
                <td>{w.events.join(', ')}</td>
                <td>{w.enabled ? 'enabled' : `disabled: ${w.disabledReason ?? ''}`}</td>
                <td>
                  <Time iso={w.createdAt} /> by {w.createdBy}
                </td>
                <td className="row-actions">
                  <button type="button" className="button subtle small" onClick={() => setShown(shown === w.id ? null : w.id)}>
                    {shown === w.id ? 'Hide deliveries' : 'Deliveries'}
                  </button>{' '}
                  <button type="button" className="button subtle small" onClick={() => setEditing(editing === w.id ? null : w.id)}>
                    Edit
                  </button>{' '}
                  <ConfirmButton
                    label="Delete"
                    title={`Delete the endpoint ${w.url}?`}
                    confirmLabel="Delete endpoint"
                    danger
                    onConfirm={async () => {
                      const gone = await api<DeletedWebhook>('DELETE', `/api/v1/webhooks/${w.id}`);
                      setRemoved(`Endpoint ${gone.id} deleted; ${gone.pendingDropped} pending deliveries dropped.`);
                      if (shown === w.id) setShown(null);
                      if (editing === w.id) setEditing(null);
                      webhooks.refresh();
                    }}
                  >
                    <p>Its secrets and its delivery history are removed; deliveries not yet delivered are never sent. This cannot be undone.</p>
                  </ConfirmButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
      {removed && (
        <p className="notice" role="status">
          {removed}
        </p>
      )}
      {editing !== null && webhooks.data?.find((w) => w.id === editing) && (
        <EditEndpoint
          key={`edit-${editing}`}
          webhook={webhooks.data.find((w) => w.id === editing)!}
          onDone={() => {
            setEditing(null);
            webhooks.refresh();
          }}
        />
      )}
      {shown !== null && <Deliveries key={`deliveries-${shown}`} webhookId={shown} />}
    </section>
  );
}

/** Changes an endpoint's URL, events, format and whether it sends (PATCH; the API validates as at creation). */
function EditEndpoint({ webhook, onDone }: { webhook: Webhook; onDone: () => void }) {
  const [url, setUrl] = useState(webhook.url);
  const [events, setEvents] = useState<WebhookEventType[]>(webhook.events);
  const [format, setFormat] = useState<WebhookFormat>(webhook.format);
  const [enabled, setEnabled] = useState(webhook.enabled);
  const [error, setError] = useState<string | null>(null);
  const ids = { url: useId(), format: useId(), enabled: useId() };

  async function save(event: FormEvent): Promise<void> {
    event.preventDefault();
    setError(null);
    const change: UpdateWebhookRequest = {};
    if (url.trim() !== webhook.url) change.url = url.trim();
    if (events.join() !== webhook.events.join()) change.events = events;
    if (format !== webhook.format) change.format = format;
    if (enabled !== webhook.enabled) change.enabled = enabled;
    if (Object.keys(change).length === 0) return onDone();
    try {
      await api<Webhook>('PATCH', `/api/v1/webhooks/${webhook.id}`, change);
      onDone();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }

  const toggle = (type: WebhookEventType) => setEvents((now) => (now.includes(type) ? now.filter((t) => t !== type) : [...now, type]));

  return (
    <form className="card form" onSubmit={(e) => void save(e)} noValidate aria-label={`Edit endpoint ${webhook.id}`}>
      <h2>Edit endpoint {webhook.id}</h2>
      {error && (
        <div className="notice notice-warn" role="alert">
          {error}
        </div>
      )}
      <div className="field">
        <label htmlFor={ids.url}>Endpoint URL</label>
        <input id={ids.url} type="url" value={url} spellCheck={false} onChange={(e) => setUrl(e.target.value)} />
      </div>
      <fieldset className="field">
        <legend>Events sent</legend>
        {WEBHOOK_EVENT_TYPES.map((type) => (
          <label key={type} className="checkbox">
            <input type="checkbox" checked={events.includes(type)} onChange={() => toggle(type)} /> {type}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={ids.format}>Format</label>
        <select id={ids.format} value={format} onChange={(e) => setFormat(e.target.value as WebhookFormat)}>
          {WEBHOOK_FORMATS.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </div>
      <label className="checkbox" htmlFor={ids.enabled}>
        <input id={ids.enabled} type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled (sends its deliveries)
      </label>
      <div className="form-actions">
        <button type="submit" className="button primary">
          Save changes
        </button>{' '}
        <button type="button" className="button subtle" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
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
