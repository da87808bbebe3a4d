import type { ReactNode } from 'react';
import type { Role } from '@slipway/contracts';
import { Link } from '../lib/router';

/** A page the signed-in role may not use: says why, and where to go instead (never a silent redirect). */
export function NotAllowed({ title, role, children }: { title: string; role: Role; children: ReactNode }) {
  return (
    <section className="page narrow">
      <h1>{title}</h1>
      <div className="notice notice-warn" role="alert" data-role={role}>
        <p>{children}</p>
      </div>
      <p>
        <Link href="/">Back to the releases</Link>
      </p>
    </section>
  );
}
