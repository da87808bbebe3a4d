import { type FormEvent, useId, useMemo, useState } from 'react';
import { ApiError, api } from '../api/client';
import type { DnsRecord, DnsRecordType, DnsRenderHistory, DnsZone, Role } from '@slipway/contracts';
import { DNS_RECORD_TYPES } from '@slipway/contracts/enums';
import { canDeploy } from '../api/types';
import { Time } from '../components/Time';
import { usePolling } from '../lib/use-polling';
import { ScrollRegion } from '../components/ScrollRegion';
import { renderStatusLabel } from '../lib/dns-status';
import { Link } from '../lib/router';

type SortKey = 'name' | 'type' | 'ttl' | 'value';

/** One zone's records: a sortable, filterable table with add, edit and delete in place (deployers), and its render history. */
export function DnsZonePage({ zone, role }: { zone: string; role: Role }) {
  const base = `/api/v1/dns/zones/${encodeURIComponent(zone)}`;
  const info = usePolling(`dns-zone-${zone}`, () => api<DnsZone>('GET', base), 2_000);
  const records = usePolling(`dns-records-${zone}`, () => api<DnsRecord[]>('GET', `${base}/records`), 5_000);
  const history = usePolling(`dns-renders-${zone}`, () => api<DnsRenderHistory>('GET', `${base}/renders`), 5_000);
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<SortKey>('name');
  const [error, setError] = useState<string | null>(null);
  const editable = canDeploy(role);

  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const list = (records.data ?? []).filter((r) => !needle || `${r.name} ${r.type} ${r.value}`.toLowerCase().includes(needle));
    return [...list].sort((a, b) => (sort === 'ttl' ? a.ttl - b.ttl : String(a[sort]).localeCompare(String(b[sort]))));
  }, [records.data, filter, sort]);

  async function change(action: () => Promise<unknown>): Promise<boolean> {
    setError(null);
    try {
      await action();
      records.refresh();
      info.refresh();
      return true;
    } catch (e) {
      setError(e instanceof ApiError && e.status === 412 ? `${e.message} (someone else changed it; the table is reloaded)` : e instanceof Error ? e.message : String(e));
      records.refresh();
      return false;
    }
  }

  const z = info.data;
  return (
    <section className="page">
      <div className="page-head">
        <h1>{zone}</h1>
        {z && (
          <p className="muted" data-testid="zone-render" data-render-status={z.renderStatus}>
            {renderStatusLabel(z.renderStatus)}
            {z.serial !== null && `, serial ${z.serial}`}
            {z.renderedVersion !== z.version && ', changes waiting to be served'}
            {z.renderMessage && `: ${z.renderMessage}`}
          </p>
        )}
        {z?.reloadRelease && (
          <p className="muted" data-testid="zone-reload">
            Reload step: release of {z.reloadRelease.template}
            {z.reloadRelease.inventory && ` on ${z.reloadRelease.inventory}`}
            {z.reloadReleaseId !== null && (
              <>
                {', last '}
                <Link href={`/releases/${z.reloadReleaseId}`}>release #{z.reloadReleaseId}</Link>
              </>
            )}
          </p>
        )}
      </div>
      {error && (
        <div className="notice notice-warn" role="alert">
          {error}
        </div>
      )}
      {editable && <AddRecord onAdd={(body) => change(() => api('POST', `${base}/records`, body))} />}
      <div className="field">
        <label htmlFor="dns-filter">Filter</label>
        <input id="dns-filter" type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="name, type or value" />
      </div>
      <ScrollRegion className="table-wrap" label="DNS records table">
        <table>
          <caption className="visually-hidden">Records of {zone}</caption>
          <thead>
            <tr>
              {(['name', 'ttl', 'type', 'value'] as const).map((key) => (
                <th scope="col" key={key} aria-sort={sort === key ? 'ascending' : 'none'}>
                  <button type="button" className="button subtle small" onClick={() => setSort(key)}>
                    {key === 'ttl' ? 'TTL' : key[0].toUpperCase() + key.slice(1)}
                  </button>
                </th>
              ))}
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((record) => (
              <RecordRow key={`${record.id}-${record.version}`} record={record} editable={editable} base={base} change={change} />
            ))}
          </tbody>
        </table>
        {records.data && shown.length === 0 && <p className="empty">No record{filter ? ' matches the filter' : ''}.</p>}
      </ScrollRegion>
      <h2 className="section-title">Renders</h2>
      <ul className="render-history" aria-label="Renders">
        {(history.data?.renders ?? []).map((r, i) => (
          <li key={i}>
            <Time iso={r.at} /> {renderStatusLabel(r.status)} {r.serial !== null && `serial ${r.serial}`} (version {r.zoneVersion}){r.message && `: ${r.message}`}
          </li>
        ))}
      </ul>
      {(history.data?.changesSinceLastRender.length ?? 0) > 0 && (
        <>
          <h2 className="section-title">Changed since the last render</h2>
          <ul aria-label="Changes since the last render">
            {history.data!.changesSinceLastRender.map((c, i) => (
              <li key={i}>
                <Time iso={c.at} /> {c.actor}: {c.action}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function RecordRow({ record, editable, base, change }: { record: DnsRecord; editable: boolean; base: string; change: (action: () => Promise<unknown>) => Promise<boolean> }) {
  const [editing, setEditing] = useState(false);
  const [ttl, setTtl] = useState(String(record.ttl));
  const [value, setValue] = useState(record.value);
  const ifMatch = { 'if-match': `"${record.version}"` };
  const path = `${base}/records/${record.id}`;
  return (
    <tr data-record-id={record.id} data-name={record.name} data-type={record.type}>
      <td data-label="Name">{record.name}</td>
      <td data-label="TTL">{editing ? <input aria-label="TTL" value={ttl} onChange={(e) => setTtl(e.target.value)} size={7} /> : record.ttl}</td>
      <td data-label="Type">{record.type}</td>
      <td data-label="Value">{editing ? <input aria-label="Value" value={value} onChange={(e) => setValue(e.target.value)} /> : <code>{record.value}</code>}</td>
      <td data-label="Actions">
        {editable && !editing && (
          <>
            <button type="button" className="button subtle small" onClick={() => setEditing(true)}>
              Edit
            </button>{' '}
            <button type="button" className="button subtle small danger" onClick={() => void change(() => api('DELETE', path, undefined, ifMatch))}>
              Delete
            </button>
          </>
        )}
        {editing && (
          <>
            <button
              type="button"
              className="button primary small"
              onClick={() => void change(() => api('PUT', path, { ttl: /^\d+$/.test(ttl) ? Number(ttl) : ttl, value }, ifMatch)).then((done) => done && setEditing(false))}
            >
              Save
            </button>{' '}
            <button type="button" className="button subtle small" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

function AddRecord({ onAdd }: { onAdd: (body: { name: string; type: DnsRecordType; value: string; ttl?: number }) => Promise<boolean> }) {
  const [name, setName] = useState('');
  const [type, setType] = useState<DnsRecordType>('A');
  const [value, setValue] = useState('');
  const [ttl, setTtl] = useState('');
  const id = useId();
  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    const added = await onAdd({ name: name.trim(), type, value, ...(ttl.trim() ? { ttl: Number(ttl) } : {}) });
    if (added) {
      setName('');
      setValue('');
    }
  }
  return (
    <form className="card form" onSubmit={(e) => void submit(e)} noValidate aria-label="Add a record">
      <h2>Add a record</h2>
      <div className="form-row">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} placeholder="@, www, _sip._tcp" spellCheck={false} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-type`}>Type</label>
          <select id={`${id}-type`} value={type} onChange={(e) => setType(e.target.value as DnsRecordType)}>
            {DNS_RECORD_TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-ttl`}>TTL</label>
          <input id={`${id}-ttl`} value={ttl} onChange={(e) => setTtl(e.target.value)} placeholder="3600" inputMode="numeric" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-value`}>Value</label>
          <input id={`${id}-value`} value={value} onChange={(e) => setValue(e.target.value)} placeholder="192.0.2.10" spellCheck={false} />
        </div>
      </div>
      <div className="form-actions">
        <button type="submit" className="button primary">
          Add record
        </button>
      </div>
    </form>
  );
}
