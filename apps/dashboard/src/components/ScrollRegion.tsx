import type { ReactNode } from 'react';

/**
 * A box that scrolls on its own (a wide table, a long command line). Keyboard users scroll it with the arrow
 * keys only if it can take focus, and a focusable region needs a name to be announced (WCAG 2.1.1, 4.1.2).
 */
export function ScrollRegion({ label, className, children }: { label: string; className: string; children: ReactNode }) {
  return (
    <div className={className} tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
