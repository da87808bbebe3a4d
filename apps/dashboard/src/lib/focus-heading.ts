/**
 * Moves keyboard and screen-reader focus to the page's main heading after something replaced the
 * control that had it (signing in, following a link, starting or cancelling a release): otherwise focus
 * falls to <body> and a keyboard user starts again from the top. The heading may render only once its
 * data has loaded, so it is looked for on each frame for a while.
 */
const LOOK_FOR_MS = 5_000;

export function focusMainHeading(): void {
  const until = performance.now() + LOOK_FOR_MS;
  const attempt = () => {
    const heading = document.querySelector<HTMLElement>('main:not(.signin) h1');
    if (heading) {
      // -1: focusable from script without adding a tab stop.
      if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
      return;
    }
    if (performance.now() < until) requestAnimationFrame(attempt);
  };
  requestAnimationFrame(attempt);
}
