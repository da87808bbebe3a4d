import { useEffect, useRef } from 'react';
import type { Session } from '@slipway/contracts';
import { canApprove, canDeploy } from './api/types';
import { Layout } from './components/Layout';
import { focusMainHeading } from './lib/focus-heading';
import { useLocation } from './lib/router';
import { ApprovalsPage } from './pages/ApprovalsPage';
import { AuditPage } from './pages/AuditPage';
import { DnsZonePage } from './pages/DnsZonePage';
import { DnsZonesPage } from './pages/DnsZonesPage';
import { NewReleasePage } from './pages/NewReleasePage';
import { NotAllowed } from './pages/NotAllowed';
import { NotFoundPage } from './pages/NotFoundPage';
import { ReleasePage } from './pages/ReleasePage';
import { ReleasesPage } from './pages/ReleasesPage';
import { FreezesPage } from './pages/FreezesPage';
import { NewSchedulePage } from './pages/NewSchedulePage';
import { ScheduleDetailPage, SchedulesPage } from './pages/SchedulesPage';
import { SignInPage } from './pages/SignInPage';
import { TokensPage } from './pages/TokensPage';
import { WebhooksPage } from './pages/WebhooksPage';
import { WorkersPage } from './pages/WorkersPage';
import { useSession } from './session';

export function App() {
  const { session } = useSession();
  const { pathname } = useLocation();

  useEffect(() => {
    document.title = session === null ? 'Sign in · Slipway' : titleFor(pathname);
  }, [pathname, session]);

  // Focus to the new page's heading after a navigation or signing in; not on the first load, where the
  // browser starts at the top anyway.
  const shown = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (session === undefined) return;
    const view = session === null ? '(signed out)' : pathname;
    const previous = shown.current;
    shown.current = view;
    if (session !== null && previous !== undefined && previous !== view) focusMainHeading();
  }, [pathname, session]);

  if (session === undefined) {
    return (
      <p className="boot" role="status">
        Loading…
      </p>
    );
  }
  if (session === null) return <SignInPage />;

  return <Layout session={session}>{route(pathname, session)}</Layout>;
}

function route(pathname: string, session: Session) {
  if (pathname === '/' || pathname === '/releases') return <ReleasesPage />;
  if (pathname === '/releases/new') {
    return canDeploy(session.role) ? (
      <NewReleasePage />
    ) : (
      <NotAllowed title="New release" role={session.role}>
        Your token&apos;s role is <strong>{session.role}</strong>: viewers can follow releases but cannot start releases. Starting one
        needs a deployer or admin token; ask an admin for one (Tokens page, or <code>slipway token create</code>).
      </NotAllowed>
    );
  }
  const release = /^\/releases\/(\d+)$/.exec(pathname);
  if (release) return <ReleasePage key={release[1]} id={Number(release[1])} />;
  if (pathname === '/approvals') {
    return canApprove(session.role) ? (
      <ApprovalsPage />
    ) : (
      <NotAllowed title="Waiting for my approval" role={session.role}>
        Only approvers and admins approve releases; your token&apos;s role is <strong>{session.role}</strong>.
      </NotAllowed>
    );
  }
  if (pathname === '/workers') return <WorkersPage />;
  if (pathname === '/schedules') return <SchedulesPage />;
  if (pathname === '/schedules/new') {
    return canDeploy(session.role) ? (
      <NewSchedulePage />
    ) : (
      <NotAllowed title="New schedule" role={session.role}>
        Your token&apos;s role is <strong>{session.role}</strong>: creating a schedule needs a deployer or admin token.
      </NotAllowed>
    );
  }
  const schedule = /^\/schedules\/(\d+)$/.exec(pathname);
  if (schedule) return <ScheduleDetailPage key={schedule[1]} id={Number(schedule[1])} />;
  if (pathname === '/freezes') return <FreezesPage />;
  if (pathname === '/audit') return <AuditPage />;
  if (pathname === '/dns') return <DnsZonesPage />;
  const dnsZone = /^\/dns\/([a-z0-9.-]+)$/i.exec(pathname);
  if (dnsZone) return <DnsZonePage key={dnsZone[1]} zone={dnsZone[1]} role={session.role} />;
  if (pathname === '/tokens') {
    return session.role === 'admin' ? (
      <TokensPage />
    ) : (
      <NotAllowed title="Tokens" role={session.role}>
        Only admins manage tokens; your token&apos;s role is <strong>{session.role}</strong>.
      </NotAllowed>
    );
  }
  if (pathname === '/webhooks') {
    return session.role === 'admin' ? (
      <WebhooksPage />
    ) : (
      <NotAllowed title="Webhooks" role={session.role}>
        Only admins manage webhooks; your token&apos;s role is <strong>{session.role}</strong>.
      </NotAllowed>
    );
  }
  return <NotFoundPage />;
}

function titleFor(pathname: string): string {
  const release = /^\/releases\/(\d+)$/.exec(pathname);
  if (release) return `Release #${release[1]} · Slipway`;
  if (pathname === '/releases/new') return 'New release · Slipway';
  if (pathname === '/workers') return 'Workers · Slipway';
  if (pathname === '/approvals') return 'Waiting for my approval · Slipway';
  if (pathname === '/audit') return 'Audit · Slipway';
  if (pathname === '/dns') return 'DNS zones · Slipway';
  if (pathname.startsWith('/dns/')) return `${pathname.slice(5)} · DNS · Slipway`;
  if (pathname === '/tokens') return 'Tokens · Slipway';
  if (pathname === '/schedules/new') return 'New schedule · Slipway';
  if (pathname.startsWith('/schedules')) return 'Schedules · Slipway';
  if (pathname === '/freezes') return 'Freeze windows · Slipway';
  if (pathname === '/webhooks') return 'Webhooks · Slipway';
  if (pathname === '/' || pathname === '/releases') return 'Releases · Slipway';
  return 'Not found · Slipway';
}
