import { useEffect } from 'react';
import { canDeploy } from './api/types';
import { Layout } from './components/Layout';
import { navigate, useLocation } from './lib/router';
import { NewReleasePage } from './pages/NewReleasePage';
import { NotFoundPage } from './pages/NotFoundPage';
import { ReleasePage } from './pages/ReleasePage';
import { ReleasesPage } from './pages/ReleasesPage';
import { SignInPage } from './pages/SignInPage';
import { WorkersPage } from './pages/WorkersPage';
import { useSession } from './session';

export function App() {
  const { session } = useSession();
  const { pathname } = useLocation();

  useEffect(() => {
    document.title = titleFor(pathname);
  }, [pathname]);

  if (session === undefined) {
    return (
      <p className="boot" role="status">
        Loading…
      </p>
    );
  }
  if (session === null) return <SignInPage />;

  return <Layout session={session}>{route(pathname, canDeploy(session.role))}</Layout>;
}

function route(pathname: string, deployer: boolean) {
  if (pathname === '/' || pathname === '/releases') return <ReleasesPage />;
  if (pathname === '/releases/new') return deployer ? <NewReleasePage /> : <Redirect to="/" />;
  const release = /^\/releases\/(\d+)$/.exec(pathname);
  if (release) return <ReleasePage key={release[1]} id={Number(release[1])} />;
  if (pathname === '/workers') return <WorkersPage />;
  return <NotFoundPage />;
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function titleFor(pathname: string): string {
  const release = /^\/releases\/(\d+)$/.exec(pathname);
  if (release) return `Release #${release[1]} · Slipway`;
  if (pathname === '/releases/new') return 'New release · Slipway';
  if (pathname === '/workers') return 'Workers · Slipway';
  return 'Releases · Slipway';
}
