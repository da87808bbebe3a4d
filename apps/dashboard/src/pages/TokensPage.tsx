import { type FormEvent, useId, useState } from 'react';
import { ApiError, api } from '../api/client';
import type { ApiToken, Role } from '@slipway/contracts';
import { ROLES } from '@slipway/contracts/enums';
import { ConfirmButton } from '../components/ConfirmButton';
import { Time } from '../components/Time';
import { usePolling } from '../lib/use-polling';
import { ScrollRegion } from '../components/ScrollRegion';

/** The value of a token just created: held in this page's memory only, until the next one or a reload. */
interface CreatedToken {
  name: string;
  role: Role;
  value: string;
}

/** Admins create (value shown once), list and revoke API tokens. */
export function TokensPage() {
  const tokens = usePolling('tokens', () => api<ApiToken[]>('GET', '/api/v1/tokens'), 10_000);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('deployer');
  const [nameError, setNameError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const [copied, setCopied] = useState(false);
  const nameId = useId();
  const roleId = useId();

  async function create(event: FormEvent): Promise<void> {
    event.preventDefault();
    setNameError(null);
    setFormError(null);
    if (name.trim() === '') {
      setNameError('Name is required: it is recorded as "requested by" and in the audit trail.');
      return;
    }
    setBusy(true);
    try {
      const answer = await api<ApiToken & { token: string }>('POST', '/api/v1/tokens', { name: name.trim(), role });
      setCreated({ name: answer.name, role: answer.role, value: answer.token });
      setCopied(false);
      setName('');
      tokens.refresh();
    } catch (e) {
      // The API names the field ("name: ..."); show it as the label reads.
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof ApiError && (e.status === 400 || e.status === 409) && /^name\b/.test(message)) {
        setNameError(`Name${message.slice(4).replace(/^:\s*/, ' ')}`);
      } else if (e instanceof ApiError && e.fieldErrors.some((f) => f.field === 'name')) setNameError(message);
      else setFormError(message);
    } finally {
      setBusy(false);
    }
  }

  async function copy(value: string): Promise<void> {
    await navigator.clipboard?.writeText(value).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  }

  const list = tokens.data ?? [];
  return (
    <section className="page">
      <div className="page-head">
        <h1>Tokens</h1>
      </div>

      <form className="card form token-form" onSubmit={(e) => void create(e)} noValidate>
        <h2>New token</h2>
        {formError && (
          <div className="notice notice-warn" role="alert">
            {formError}
          </div>
        )}
        <div className="form-row">
          <div className="field">
            <label htmlFor={nameId}>Name</label>
            <input
              id={nameId}
              type="text"
              value={name}
              spellCheck={false}
              placeholder="e.g. ci"
              aria-invalid={nameError ? true : undefined}
              aria-describedby={nameError ? `${nameId}-error` : `${nameId}-hint`}
              onChange={(e) => setName(e.target.value)}
            />
            {nameError ? (
              <p className="field-error" id={`${nameId}-error`} role="alert" data-field="name">
                {nameError}
              </p>
            ) : (
              <p className="hint" id={`${nameId}-hint`}>
                Shown as &ldquo;requested by&rdquo; and in the audit trail; unique among live tokens.
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={roleId}>Role</label>
            <select id={roleId} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
            <p className="hint">viewer reads; deployer also starts, cancels and re-runs; admin also manages tokens.</p>
          </div>
        </div>
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </form>

      {created && (
        <div className="notice token-created" role="status">
          <p>
            Token <strong>{created.name}</strong> ({created.role}) created. Copy it now: it will not be shown again.
          </p>
          <p className="token-value">
            <code data-testid="new-token-value">{created.value}</code>{' '}
            <button type="button" className="button subtle small" onClick={() => void copy(created.value)}>
              {copied ? 'Copied' : 'Copy'}
            </button>{' '}
            <button type="button" className="button subtle small" onClick={() => setCreated(null)}>
              Done
            </button>
          </p>
        </div>
      )}

      <ScrollRegion className="table-wrap" label="API tokens table">
        <table>
          <caption className="visually-hidden">API tokens</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Created</th>
              <th scope="col">By</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((token) => (
              <tr key={token.id} data-token-id={token.id} data-state={token.revokedAt ? 'revoked' : 'active'}>
                <td data-label="Name">{token.name}</td>
                <td data-label="Role">
                  <span className={`role role-${token.role}`}>{token.role}</span>
                </td>
                <td data-label="Created">
                  <Time iso={token.createdAt} />
                </td>
                <td data-label="By">{token.createdBy}</td>
                <td data-label="State">
                  {token.revokedAt ? (
                    <span className="muted">
                      revoked by {token.revokedBy} <Time iso={token.revokedAt} />
                    </span>
                  ) : (
                    'active'
                  )}
                </td>
                <td data-label="Actions">
                  {!token.revokedAt && (
                    <ConfirmButton
                      label="Revoke"
                      title={`Revoke token ${token.name}?`}
                      confirmLabel="Revoke token"
                      danger
                      onConfirm={async () => {
                        await api('DELETE', `/api/v1/tokens/${token.id}`);
                        tokens.refresh();
                      }}
                    >
                      <p>
                        Requests with it, and dashboard sessions signed in with it, stop working at once. This cannot be undone; create a new
                        token instead.
                      </p>
                    </ConfirmButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {tokens.data && list.length === 0 && <p className="empty">No tokens yet (the bootstrap token is not listed).</p>}
        {!tokens.data && tokens.loading && <p className="empty">Loading tokens…</p>}
        {!tokens.data && tokens.error && (
          <p className="empty error-text" role="alert">
            Could not load the tokens: {tokens.error.message}
          </p>
        )}
      </ScrollRegion>
    </section>
  );
}
