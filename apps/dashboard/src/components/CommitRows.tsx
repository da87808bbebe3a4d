import type { Release } from '@slipway/contracts';

/** The revision a release of a git project runs: its commit (linked when the catalog has a commitUrl) and ref. */
export function CommitRows({ release }: { release: Release }) {
  if (!release.commitSha) return null;
  const short = release.commitSha.slice(0, 12);
  return (
    <>
      <dt>Commit</dt>
      <dd data-testid="release-commit">
        {release.commitUrl ? (
          <a href={release.commitUrl} title={release.commitSha} rel="noreferrer noopener" target="_blank">
            <code>{short}</code>
          </a>
        ) : (
          <code title={release.commitSha}>{short}</code>
        )}
        {release.ref && release.ref !== release.commitSha ? <span className="muted"> ({release.ref})</span> : null}
      </dd>
    </>
  );
}
