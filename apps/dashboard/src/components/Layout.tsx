import type { ReactNode } from 'react';
import type { Session } from '@slipway/contracts';
import { canApprove, canDeploy } from '../api/types';
import { Link, useLocation } from '../lib/router';
import { useSession } from '../session';
import { FreezeBanner } from './FreezeBanner';
import { WorkerBanner } from './WorkerBanner';

export function Layout({ session, children }: { session: Session; children: ReactNode }) {
  const { signOut } = useSession();
  const { pathname } = useLocation();
  const releasesActive = pathname === '/' || (pathname.startsWith('/releases') && pathname !== '/releases/new');

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand" aria-label="Slipway, releases">
          <img src="/favicon.svg" alt="" width="24" height="24" />
          <span>Slipway</span>
        </Link>
        <nav aria-label="Main">
          <NavLink href="/" active={releasesActive}>
            Releases
          </NavLink>
          {canDeploy(session.role) && (
            <NavLink href="/releases/new" active={pathname === '/releases/new'}>
              New release
            </NavLink>
          )}
          {canApprove(session.role) && (
            <NavLink href="/approvals" active={pathname === '/approvals'}>
              Approvals
            </NavLink>
          )}
          <NavLink href="/workers" active={pathname === '/workers'}>
            Workers
          </NavLink>
          <NavLink href="/schedules" active={pathname.startsWith('/schedules')}>
            Schedules
          </NavLink>
          <NavLink href="/freezes" active={pathname === '/freezes'}>
            Freezes
          </NavLink>
          <NavLink href="/dns" active={pathname === '/dns' || pathname.startsWith('/dns/')}>
            DNS
          </NavLink>
          <NavLink href="/audit" active={pathname === '/audit'}>
            Audit
          </NavLink>
          {session.role === 'admin' && (
            <NavLink href="/tokens" active={pathname === '/tokens'}>
              Tokens
            </NavLink>
          )}
          {session.role === 'admin' && (
            <NavLink href="/webhooks" active={pathname === '/webhooks'}>
              Webhooks
            </NavLink>
          )}
        </nav>
        <div className="who">
          <span className="who-name" title={`Signed in as ${session.name}`}>
            {session.name}
          </span>
          <span className={`role role-${session.role}`} data-testid="session-role">
            {session.role}
          </span>
          <button type="button" className="button subtle small" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <WorkerBanner />
      <FreezeBanner />
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

function NavLink({ href, active, children }: { href: string; active: boolean; children: ReactNode }) {
  return (
    <Link href={href} className={active ? 'nav-link active' : 'nav-link'} aria-current={active ? 'page' : undefined}>
      {children}
    </Link>
  );
}
