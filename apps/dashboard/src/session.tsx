import { type ReactNode, createContext, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, api, setUnauthorizedHandler } from './api/client';
import type { Session } from '@slipway/contracts';

interface SessionState {
  /** undefined while the first GET /session is in flight; null when signed out. */
  session: Session | null | undefined;
  signIn: (token: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

/**
 * The signed-in user. The API token is exchanged once for an HttpOnly session cookie: the page never keeps
 * the token (not in storage, not in memory after sign-in), so a script injected into the page cannot read it.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null | undefined>(undefined);

  useEffect(() => {
    setUnauthorizedHandler(() => setSession(null));
    api<Session>('GET', '/api/v1/session')
      .then(setSession)
      .catch((error: unknown) => {
        // 401 = not signed in. Anything else (API down) also shows sign-in, with the reason on submit.
        if (!(error instanceof ApiError)) console.error(error);
        setSession(null);
      });
  }, []);

  const signIn = useCallback(async (token: string) => {
    setSession(await api<Session>('POST', '/api/v1/session', { token }));
  }, []);

  const signOut = useCallback(async () => {
    await api('DELETE', '/api/v1/session').catch(() => undefined);
    setSession(null);
  }, []);

  const value = useMemo(() => ({ session, signIn, signOut }), [session, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
