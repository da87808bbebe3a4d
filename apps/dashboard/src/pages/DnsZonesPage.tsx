import { api } from '../api/client';
import type { DnsZone } from '@slipway/contracts';
import { Time } from '../components/Time';
import { Link } from '../lib/router';
import { usePolling } from '../lib/use-polling';
import { ScrollRegion } from '../components/ScrollRegion';
import { renderStatusLabel } from '../lib/dns-status';

/** Every DNS zone and where its rendering stands (issue 24). */
export function DnsZonesPage() {
  const zones = usePolling('dns-zones', () => api<DnsZone[]>('GET', '/api/v1/dns/zones'), 2_000);
  const list = zones.data ?? [];
  return (
    <section className="page">
      <div className="page-head">
        <h1>DNS zones</h1>
      </div>
      <ScrollRegion className="table-wrap" label="DNS zones table">
        <table>
          <caption className="visually-hidden">DNS zones</caption>
          <thead>
            <tr>
              <th scope="col">Zone</th>
              <th scope="col">Render</th>
              <th scope="col">Serial</th>
              <th scope="col">Served / version</th>
              <th scope="col">Rendered</th>
            </tr>
          </thead>
          <tbody>
            {list.map((zone) => (
              <tr key={zone.id} data-zone={zone.name} data-render-status={zone.renderStatus}>
                <td data-label="Zone">
                  <Link href={`/dns/${zone.name}`}>{zone.name}</Link>
                </td>
                <td data-label="Render">
                  <span className={`badge render-${zone.renderStatus}`}>{renderStatusLabel(zone.renderStatus)}</span>
                  {zone.renderMessage && <p className="muted">{zone.renderMessage}</p>}
                </td>
                <td data-label="Serial">{zone.serial ?? '–'}</td>
                <td data-label="Served / version">
                  {zone.renderedVersion ?? '–'} / {zone.version}
                </td>
                <td data-label="Rendered">{zone.renderedAt ? <Time iso={zone.renderedAt} /> : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {zones.data && list.length === 0 && <p className="empty">No zone yet. Admins create zones through the API (POST /api/v1/dns/zones).</p>}
        {!zones.data && <p className="empty">{zones.error ? `Could not load the zones: ${zones.error.message}` : 'Loading zones…'}</p>}
      </ScrollRegion>
    </section>
  );
}
