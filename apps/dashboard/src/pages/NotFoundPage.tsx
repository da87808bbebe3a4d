import { Link } from '../lib/router';

export function NotFoundPage() {
  return (
    <section className="page narrow">
      <h1>Page not found</h1>
      <p>
        There is nothing here. <Link href="/">Back to the releases</Link>.
      </p>
    </section>
  );
}
