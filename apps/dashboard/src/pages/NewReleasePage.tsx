import { type FormEvent, type ReactNode, useEffect, useId, useState } from 'react';
import { ApiError, api } from '../api/client';
import type { Release, Template } from '../api/types';
import { navigate } from '../lib/router';
import { usePolling } from '../lib/use-polling';
import { type VarRow, jsonToVars, rowsFromDefaults, rowsToVars, varsToRows } from './extra-vars';
import { FIELDS, type FieldName, type FormErrors, fieldOf, groupErrors } from './form-errors';

function splitList(text: string): string[] | undefined {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length > 0 ? items : undefined;
}

export function NewReleasePage() {
  const templates = usePolling('templates', () => api<Template[]>('GET', '/api/v1/templates'), 60_000);
  const [templateName, setTemplateName] = useState('');
  const [inventory, setInventory] = useState('');
  const [mode, setMode] = useState<'rows' | 'json'>('rows');
  const [rows, setRows] = useState<VarRow[]>([]);
  const [json, setJson] = useState('{}');
  const [limit, setLimit] = useState('');
  const [tags, setTags] = useState('');
  const [skipTags, setSkipTags] = useState('');
  const [checkMode, setCheckMode] = useState(false);
  const [runAt, setRunAt] = useState('');
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);

  const list = templates.data ?? [];
  const template = list.find((t) => t.name === templateName);

  function chooseTemplate(name: string): void {
    const next = list.find((t) => t.name === name);
    setTemplateName(name);
    setInventory(next?.defaultInventory ?? '');
    const defaults = next ? rowsFromDefaults(next.extraVars, next.secretVars) : [];
    setRows(defaults);
    const visibleDefaults = Object.entries(next?.extraVars ?? {}).filter(([key]) => !next?.secretVars.includes(key));
    setJson(JSON.stringify(Object.fromEntries(visibleDefaults), null, 2));
    setErrors({});
  }

  // Start on the first template once the catalog has loaded (or the one named in ?template=).
  useEffect(() => {
    if (templateName === '' && list.length > 0) {
      const wanted = new URLSearchParams(window.location.search).get('template');
      chooseTemplate(list.some((t) => t.name === wanted) ? (wanted as string) : (list[0]).name);
    }
    // Only when the catalog first arrives: later refreshes must not reset what the user chose.
  }, [list.length]);

  function switchMode(next: 'rows' | 'json'): void {
    if (next === mode) return;
    if (next === 'json') {
      const result = rowsToVars(rows);
      if ('error' in result) return setErrors({ ...errors, extraVars: [result.error] });
      setJson(JSON.stringify(result.vars, null, 2));
    } else {
      const result = jsonToVars(json);
      if ('error' in result) return setErrors({ ...errors, extraVars: [result.error] });
      setRows(varsToRows(result.vars, template?.secretVars ?? []));
    }
    setErrors({ ...errors, extraVars: undefined });
    setMode(next);
  }

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    const vars = mode === 'rows' ? rowsToVars(rows) : jsonToVars(json);
    if ('error' in vars) {
      setErrors({ extraVars: [vars.error] });
      document.getElementById('field-extraVars')?.focus();
      return;
    }
    let runAtIso: string | undefined;
    if (runAt) {
      const when = new Date(runAt);
      if (Number.isNaN(when.getTime())) return setErrors({ runAt: ['not a valid date and time'] });
      runAtIso = when.toISOString();
    }
    const body = {
      template: templateName,
      inventory: inventory || undefined,
      extraVars: Object.keys(vars.vars).length > 0 ? vars.vars : undefined,
      limit: limit.trim() || undefined,
      tags: splitList(tags),
      skipTags: splitList(skipTags),
      checkMode: checkMode || undefined,
      runAt: runAtIso,
    };
    setBusy(true);
    setErrors({});
    try {
      const release = await api<Release>('POST', '/api/v1/releases', body);
      navigate(`/releases/${release.id}`);
    } catch (e) {
      setBusy(false);
      if (e instanceof ApiError && e.fieldErrors.length > 0) {
        const grouped = groupErrors(e.fieldErrors);
        setErrors(grouped);
        const first = FIELDS.find((f) => grouped[f]);
        if (first) document.getElementById(`field-${first}`)?.focus();
      } else if (e instanceof ApiError && e.status === 400) {
        // A 400 without a field list still names the field at the start of its message ("limit: ...").
        const named = fieldOf(e.message.split(':')[0] ?? '');
        setErrors({ [named]: [e.message] });
      } else {
        setErrors({ form: [e instanceof Error ? e.message : String(e)] });
      }
    }
  }

  if (templates.error && list.length === 0) {
    return (
      <section className="page narrow">
        <h1>New release</h1>
        <p className="error-text" role="alert">
          Could not load the templates: {templates.error.message}
        </p>
      </section>
    );
  }

  return (
    <section className="page narrow">
      <h1>New release</h1>
      <form className="card form" onSubmit={(e) => void submit(e)} noValidate aria-describedby={errors.form ? 'form-errors' : undefined}>
        {errors.form && (
          <div className="notice notice-warn" id="form-errors" role="alert">
            {errors.form.join(' ')}
          </div>
        )}
        <Field name="template" label="Template" errors={errors.template} hint={template?.description ?? undefined}>
          {(props) => (
            <select {...props} value={templateName} onChange={(e) => chooseTemplate(e.target.value)} disabled={list.length === 0}>
              {list.length === 0 && <option value="">Loading…</option>}
              {list.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
            </select>
          )}
        </Field>

        <Field name="inventory" label="Inventory" errors={errors.inventory} hint="Only the inventories this template allows.">
          {(props) => (
            <select {...props} value={inventory} onChange={(e) => setInventory(e.target.value)}>
              {(template?.inventories ?? []).map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          )}
        </Field>

        <fieldset className="field vars" aria-describedby={errors.extraVars ? 'error-extraVars' : 'hint-extraVars'}>
          <legend>Extra vars</legend>
          <div className="segmented" role="radiogroup" aria-label="Edit extra vars as">
            <label>
              <input type="radio" name="vars-mode" checked={mode === 'rows'} onChange={() => switchMode('rows')} /> Key / value
            </label>
            <label>
              <input type="radio" name="vars-mode" checked={mode === 'json'} onChange={() => switchMode('json')} /> JSON
            </label>
          </div>
          {mode === 'rows' ? (
            <VarRows rows={rows} onChange={setRows} invalid={Boolean(errors.extraVars)} />
          ) : (
            <textarea
              id="field-extraVars"
              className="code-input"
              rows={8}
              spellCheck={false}
              aria-label="Extra vars as JSON"
              aria-invalid={errors.extraVars ? true : undefined}
              value={json}
              onChange={(e) => {
                setJson(e.target.value);
                const result = jsonToVars(e.target.value);
                setErrors((prev) => ({ ...prev, extraVars: 'error' in result ? [result.error] : undefined }));
              }}
            />
          )}
          <FieldMessages name="extraVars" errors={errors.extraVars}>
            {mode === 'rows'
              ? 'Numbers, true/false and JSON values keep their type; anything else is text. Leave a secret empty to use its catalog value.'
              : 'A JSON object; it overrides the template defaults key by key.'}
          </FieldMessages>
        </fieldset>

        <div className="form-row">
          <Field name="limit" label="Limit" errors={errors.limit} hint="Hosts or groups (ansible --limit); empty for all.">
            {(props) => <input {...props} type="text" value={limit} onChange={(e) => setLimit(e.target.value)} spellCheck={false} />}
          </Field>
          <Field name="runAt" label="Start time" errors={errors.runAt} hint="Optional; empty starts as soon as possible.">
            {(props) => <input {...props} type="datetime-local" value={runAt} onChange={(e) => setRunAt(e.target.value)} />}
          </Field>
        </div>
        <div className="form-row">
          <Field name="tags" label="Tags" errors={errors.tags} hint="Comma-separated (ansible --tags).">
            {(props) => <input {...props} type="text" value={tags} onChange={(e) => setTags(e.target.value)} spellCheck={false} />}
          </Field>
          <Field name="skipTags" label="Skip tags" errors={errors.skipTags} hint="Comma-separated (ansible --skip-tags).">
            {(props) => <input {...props} type="text" value={skipTags} onChange={(e) => setSkipTags(e.target.value)} spellCheck={false} />}
          </Field>
        </div>
        <div className="field">
          <label className="toggle">
            <input id="field-checkMode" type="checkbox" checked={checkMode} onChange={(e) => setCheckMode(e.target.checked)} />
            Check mode <span className="muted">(dry run: --check --diff, changes nothing)</span>
          </label>
          <FieldMessages name="checkMode" errors={errors.checkMode} />
        </div>

        <div className="form-actions">
          <button type="submit" className="button primary" disabled={busy || !templateName}>
            {busy ? 'Starting…' : 'Start release'}
          </button>
        </div>
      </form>
    </section>
  );
}

interface ControlProps {
  id: string;
  name: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

function Field({
  name,
  label,
  errors,
  hint,
  children,
}: {
  name: FieldName;
  label: string;
  errors?: string[];
  hint?: string;
  children: (props: ControlProps) => ReactNode;
}) {
  const describedBy = errors ? `error-${name}` : hint ? `hint-${name}` : undefined;
  return (
    <div className="field">
      <label htmlFor={`field-${name}`}>{label}</label>
      {children({ id: `field-${name}`, name, 'aria-invalid': errors ? true : undefined, 'aria-describedby': describedBy })}
      <FieldMessages name={name} errors={errors}>
        {hint}
      </FieldMessages>
    </div>
  );
}

function FieldMessages({ name, errors, children }: { name: FieldName; errors?: string[]; children?: ReactNode }) {
  if (errors && errors.length > 0) {
    return (
      <p className="field-error" id={`error-${name}`} role="alert" data-field={name}>
        {errors.join(' ')}
      </p>
    );
  }
  return children ? (
    <p className="hint" id={`hint-${name}`}>
      {children}
    </p>
  ) : null;
}

function VarRows({ rows, onChange, invalid }: { rows: VarRow[]; onChange: (rows: VarRow[]) => void; invalid: boolean }) {
  const baseId = useId();
  const update = (index: number, patch: Partial<VarRow>) => onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <div className="var-rows" id="field-extraVars" tabIndex={-1}>
      {rows.map((row, index) => (
        <div className="var-row" key={index}>
          <label className="visually-hidden" htmlFor={`${baseId}-k${index}`}>
            Name of extra var {index + 1}
          </label>
          <input
            id={`${baseId}-k${index}`}
            type="text"
            placeholder="name"
            value={row.key}
            spellCheck={false}
            aria-invalid={invalid || undefined}
            onChange={(e) => update(index, { key: e.target.value })}
          />
          <label className="visually-hidden" htmlFor={`${baseId}-v${index}`}>
            Value of {row.key || `extra var ${index + 1}`}
          </label>
          <input
            id={`${baseId}-v${index}`}
            type={row.secret ? 'password' : 'text'}
            placeholder={row.secret ? 'secret: empty keeps the catalog value' : 'value'}
            value={row.value}
            spellCheck={false}
            autoComplete="off"
            aria-invalid={invalid || undefined}
            onChange={(e) => update(index, { value: e.target.value })}
          />
          <button
            type="button"
            className="button subtle small icon"
            aria-label={`Remove ${row.key || `extra var ${index + 1}`}`}
            onClick={() => onChange(rows.filter((_, i) => i !== index))}
          >
            ✕
          </button>
        </div>
      ))}
      <button type="button" className="button subtle small" onClick={() => onChange([...rows, { key: '', value: '', secret: false }])}>
        + Add variable
      </button>
    </div>
  );
}
