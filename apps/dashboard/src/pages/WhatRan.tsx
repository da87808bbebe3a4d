import type { ReleaseWhatRan } from '@slipway/contracts';
import { WHAT_RAN_ROWS, whatRanText } from '../../../../libs/releases/src/what-ran.js';
import { ScrollRegion } from '../components/ScrollRegion';

/** What the release ran (the command with secrets masked, ansible-core, catalog digest), one row per WHAT_RAN_ROWS entry. */
export function WhatRan({ release }: { release: ReleaseWhatRan }) {
  return (
    <section className="card what-ran" aria-labelledby="what-ran-title" data-testid="what-ran">
      <h2 id="what-ran-title">What ran</h2>
      <dl className="props">
        {WHAT_RAN_ROWS.map((row) => {
          const text = whatRanText(row, release);
          return (
            <div key={row.key} className="prop" data-testid={`what-ran-${row.key}`}>
              <dt>{row.label}</dt>
              <dd>
                {text === null ? (
                  <span className="muted">{row.key === 'argv' ? 'not started yet' : 'not recorded'}</span>
                ) : row.format === 'command' ? (
                  <ScrollRegion className="code-scroll" label={row.label}>
                    <pre className="code command">{text}</pre>
                  </ScrollRegion>
                ) : (
                  <code>{text}</code>
                )}
              </dd>
            </div>
          );
        })}
      </dl>
    </section>
  );
}
