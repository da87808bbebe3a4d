import { type FormEvent, useId, useState } from 'react';
import { ApiError } from '../api/client';
import { useSession } from '../session';

export function SignInPage() {
  const { signIn } = useSession();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const errorId = useId();

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(token.trim());
    } catch (e) {
      setError(
        e instanceof ApiError && (e.status === 401 || e.status === 400 || e.status === 403)
          ? 'That token was not accepted. Check it and try again.'
          : e instanceof Error
            ? e.message
            : 'Sign-in failed.',
      );
      setBusy(false);
    }
  }

  return (
    <main className="signin" id="main">
      <form className="card signin-card" onSubmit={(e) => void submit(e)} aria-labelledby="signin-title" noValidate>
        <div className="signin-brand">
          <img src="/favicon.svg" alt="" width="40" height="40" />
          <h1 id="signin-title">Sign in to Slipway</h1>
        </div>
        <p className="muted">Paste your API token. It is exchanged for a session cookie and not stored in the browser.</p>
        <div className="field">
          <label htmlFor="token">API token</label>
          <input
            id="token"
            name="token"
            type="password"
            autoComplete="current-password"
            spellCheck={false}
            required
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
          />
          {error && (
            <p className="field-error" id={errorId} role="alert">
              {error}
            </p>
          )}
        </div>
        <button type="submit" className="button primary wide" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
