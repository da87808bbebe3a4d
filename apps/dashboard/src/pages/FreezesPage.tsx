import { type FormEvent, useState } from 'react';
import { ApiError, api } from '../api/client';
import type { FieldError, FreezeWindow } from '@slipway/contracts';
import { ConfirmButton } from '../components/ConfirmButton';
import { ScrollRegion } from '../components/ScrollRegion';
import { formatDateTime } from '../lib/format';
import { usePolling } from '../lib/use-polling';
import { useSession } from '../session';
import { Field } from './form-fields';
import { fieldErrorFromMessage } from './form-errors';

const REFRESH_MS = 5_000;

type Kind = 'one-off' | 'recurring';
type Errors = Partial<Record<string, string[]>>;

const LABELS: Record<string, string> = {
  name: 'Name',
  startsAt: 'Starts',
  endsAt: 'Ends',
  cron: 'Cron',
  durationMinutes: 'Duration',
  timeZone: 'Time zone',
  templates: 'Templates',
  inventories: 'Inventories',
};
const ORDER = ['name', 'startsAt', 'endsAt', 'cron', 'durationMinutes', 'timeZone', 'templates', 'inventories'];

interface Draft {
  kind: Kind;
  name: string;
  startsAt: string;
  endsAt: string;
  cron: string;
  durationMinutes: string;
  timeZone: string;
  templates: string;
  inventories: string;
}

const EMPTY: Draft = { kind: 'one-off', name: '', startsAt: '', endsAt: '', cron: '0 16 * * 5', durationMinutes: '', timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', templates: '', inventories: '' };

/** An ISO instant as a datetime-local value in the browser's zone ("2026-12-20T00:00"). */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function draftOf(w: FreezeWindow): Draft {
  return {
    kind: w.kind,
    name: w.name,
    startsAt: toLocalInput(w.startsAt),
    endsAt: toLocalInput(w.endsAt),
    cron: w.cron ?? EMPTY.cron,
    durationMinutes: w.durationMinutes === null ? '' : String(w.durationMinutes),
    timeZone: w.timeZone ?? EMPTY.timeZone,
    templates: w.templates?.join(', ') ?? '',
    inventories: w.inventories?.join(', ') ?? '',
  };
}

function names(text: string): string[] | null {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  return list.length > 0 ? list : null;
}

function relabel(error: FieldError): string {
  const head = error.field.split(/[.[]/)[0];
  const label = LABELS[head];
  if (!label || !error.message.startsWith(error.field)) return error.message;
  return `${label}${error.message.slice(error.field.length).replace(/^:\s*/, ' ')}`;
}

function grouped(errors: FieldError[]): Errors {
  const out: Errors = {};
  for (const e of errors) {
    const head = e.field.split(/[.[]/)[0];
    (out[ORDER.includes(head) ? head : 'form'] ??= []).push(relabel(e));
  }
  return out;
}

/** The body of a create (absent fields) or an edit (null clears a field of the other kind, or "all"). */
function bodyOf(draft: Draft, editing: boolean): { body: Record<string, unknown>; errors: Errors } {
  const errors: Errors = {};
  const clear = editing ? null : undefined;
  const body: Record<string, unknown> = { name: draft.name.trim(), templates: names(draft.templates) ?? clear, inventories: names(draft.inventories) ?? clear };
  if (draft.name.trim() === '') errors.name = ['Name is required'];
  if (draft.kind === 'one-off') {
    for (const key of ['startsAt', 'endsAt'] as const) {
      const when = new Date(draft[key]);
      if (draft[key] === '') errors[key] = [`${LABELS[key]} is required`];
      else if (Number.isNaN(when.getTime())) errors[key] = [`${LABELS[key]} is not a valid date and time`];
      else body[key] = when.toISOString();
    }
    Object.assign(body, { cron: clear, durationMinutes: clear, timeZone: clear });
  } else {
    const minutes = Number(draft.durationMinutes);
    if (draft.durationMinutes.trim() === '') errors.durationMinutes = ['Duration is required'];
    else if (!Number.isInteger(minutes) || minutes < 1) errors.durationMinutes = ['Duration must be a whole number of minutes, at least 1'];
    Object.assign(body, { cron: draft.cron.trim(), durationMinutes: minutes, timeZone: draft.timeZone.trim(), startsAt: clear, endsAt: clear });
  }
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return { body, errors };
}

function describe(w: FreezeWindow): string {
  return w.kind === 'one-off' ? `${formatDateTime(w.startsAt)} → ${formatDateTime(w.endsAt)}` : `${w.cron ?? ''} (${w.timeZone ?? ''}) for ${w.durationMinutes ?? 0} min`;
}

/** Every freeze window; admins create, edit and delete them here (or with `slipway freeze …`). */
export function FreezesPage() {
  const { session } = useSession();
  const admin = session?.role === 'admin';
  const windows = usePolling('freezes', () => api<FreezeWindow[]>('GET', '/api/v1/freezes'), REFRESH_MS);
  const list = windows.data ?? [];
  const [editing, setEditing] = useState<FreezeWindow | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // A new key after each save: the form starts empty again.
  const [saves, setSaves] = useState(0);

  return (
    <section className="page">
      <div className="page-head">
        <h1>Freeze windows</h1>
      </div>
      <p className="muted">While a window is in force no release of what it covers starts, unless an admin overrides it with a written reason.</p>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {!windows.data && <p className="empty">{windows.error ? `Could not load the freeze windows: ${windows.error.message}` : 'Loading…'}</p>}
      {windows.data && list.length === 0 && <p className="empty">No freeze window.</p>}
      {list.length > 0 && (
        <ScrollRegion className="table-wrap" label="Freeze windows table">
          <table data-testid="freezes-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">When</th>
                <th scope="col">Applies to</th>
                {admin && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {list.map((w) => (
                <tr key={w.id} data-testid={`freeze-${w.name}`}>
                  <td>{w.name}</td>
                  <td>{describe(w)}</td>
                  <td>
                    {w.templates ? `templates ${w.templates.join(', ')}` : 'every template'}; {w.inventories ? `inventories ${w.inventories.join(', ')}` : 'every inventory'}
                  </td>
                  {admin && (
                    <td className="row-actions">
                      <button type="button" className="button subtle small" aria-label={`Edit ${w.name}`} onClick={() => setEditing(w)}>
                        Edit
                      </button>{' '}
                      <ConfirmButton
                        label={`Delete ${w.name}`}
                        title={`Delete freeze window ${w.name}?`}
                        confirmLabel="Delete window"
                        danger
                        onConfirm={async () => {
                          await api('DELETE', `/api/v1/freezes/${w.id}`);
                          if (editing?.id === w.id) setEditing(null);
                          setNotice(`Freeze window ${w.name} deleted.`);
                          windows.refresh();
                        }}
                      >
                        Launches it refuses are allowed again at once.
                      </ConfirmButton>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
      {admin && (
        <FreezeForm
          key={editing ? `edit-${editing.id}` : `new-${saves}`}
          editing={editing}
          onDone={(message) => {
            setSaves((n) => n + 1);
            setEditing(null);
            setNotice(message);
            windows.refresh();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
    </section>
  );
}

function FreezeForm({ editing, onDone, onCancel }: { editing: FreezeWindow | null; onDone: (message: string) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState<Draft>(editing ? draftOf(editing) : EMPTY);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  function focusFirst(found: Errors): void {
    const first = ORDER.find((key) => found[key]);
    if (first) document.getElementById(`field-${first}`)?.focus();
  }

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    const { body, errors: found } = bodyOf(draft, editing !== null);
    if (Object.keys(found).length > 0) {
      setErrors(found);
      focusFirst(found);
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const saved = editing ? await api<FreezeWindow>('PATCH', `/api/v1/freezes/${editing.id}`, body) : await api<FreezeWindow>('POST', '/api/v1/freezes', body);
      onDone(editing ? `Freeze window ${saved.name} saved.` : `Freeze window ${saved.name} created.`);
    } catch (e) {
      setBusy(false);
      if (e instanceof ApiError && (e.status === 400 || e.status === 409)) {
        const found2 = grouped(e.fieldErrors.length > 0 ? e.fieldErrors : [fieldErrorFromMessage(e.message)]);
        setErrors(found2);
        focusFirst(found2);
      } else setErrors({ form: [e instanceof Error ? e.message : String(e)] });
    }
  }

  return (
    <form className="card form section-title" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="freeze-form-title">
      <h2 id="freeze-form-title">{editing ? `Edit freeze window ${editing.name}` : 'New freeze window'}</h2>
      {errors.form && (
        <div className="notice notice-warn" role="alert">
          {errors.form.join(' ')}
        </div>
      )}
      <Field name="name" label={LABELS.name} errors={errors.name}>
        {(props) => <input {...props} type="text" value={draft.name} onChange={(e) => set({ name: e.target.value })} spellCheck={false} autoComplete="off" />}
      </Field>
      <fieldset className="field">
        <legend>Kind</legend>
        <label className="toggle">
          <input type="radio" name="freeze-kind" checked={draft.kind === 'one-off'} onChange={() => set({ kind: 'one-off' })} /> One-off (from, to)
        </label>{' '}
        <label className="toggle">
          <input type="radio" name="freeze-kind" checked={draft.kind === 'recurring'} onChange={() => set({ kind: 'recurring' })} /> Recurring (cron, duration, time zone)
        </label>
      </fieldset>
      {draft.kind === 'one-off' ? (
        <div className="form-row">
          <Field name="startsAt" label={LABELS.startsAt} errors={errors.startsAt} hint="In your time zone.">
            {(props) => <input {...props} type="datetime-local" value={draft.startsAt} onChange={(e) => set({ startsAt: e.target.value })} />}
          </Field>
          <Field name="endsAt" label={LABELS.endsAt} errors={errors.endsAt} hint="After the start.">
            {(props) => <input {...props} type="datetime-local" value={draft.endsAt} onChange={(e) => set({ endsAt: e.target.value })} />}
          </Field>
        </div>
      ) : (
        <>
          <div className="form-row">
            <Field name="cron" label={LABELS.cron} errors={errors.cron} hint="When each occurrence starts, e.g. 0 16 * * 5 (Fridays 16:00).">
              {(props) => <input {...props} type="text" className="code-input" value={draft.cron} onChange={(e) => set({ cron: e.target.value })} spellCheck={false} autoComplete="off" />}
            </Field>
            <Field name="timeZone" label={LABELS.timeZone} errors={errors.timeZone} hint="IANA name, e.g. Europe/Berlin or UTC.">
              {(props) => <input {...props} type="text" value={draft.timeZone} onChange={(e) => set({ timeZone: e.target.value })} spellCheck={false} autoComplete="off" />}
            </Field>
          </div>
          <Field name="durationMinutes" label={LABELS.durationMinutes} errors={errors.durationMinutes} hint="Minutes each occurrence lasts.">
            {(props) => <input {...props} type="number" inputMode="numeric" min={1} step={1} value={draft.durationMinutes} onChange={(e) => set({ durationMinutes: e.target.value })} />}
          </Field>
        </>
      )}
      <div className="form-row">
        <Field name="templates" label={LABELS.templates} errors={errors.templates} hint="Comma-separated; empty: every template.">
          {(props) => <input {...props} type="text" value={draft.templates} onChange={(e) => set({ templates: e.target.value })} spellCheck={false} autoComplete="off" />}
        </Field>
        <Field name="inventories" label={LABELS.inventories} errors={errors.inventories} hint="Comma-separated; empty: every inventory.">
          {(props) => <input {...props} type="text" value={draft.inventories} onChange={(e) => set({ inventories: e.target.value })} spellCheck={false} autoComplete="off" />}
        </Field>
      </div>
      <div className="form-actions">
        {editing && (
          <button type="button" className="button subtle" onClick={onCancel} disabled={busy}>
            Cancel edit
          </button>
        )}{' '}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Saving…' : editing ? 'Save window' : 'Create window'}
        </button>
      </div>
    </form>
  );
}
