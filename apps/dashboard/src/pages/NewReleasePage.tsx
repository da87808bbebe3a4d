import { type FormEvent, useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../api/client';
import type { Release, Template } from '@slipway/contracts';
import { navigate } from '../lib/router';
import { usePolling } from '../lib/use-polling';
import type { VarRow } from './extra-vars';
import { Field, FieldMessages, TemplateInventoryFields, TemplateVars, collectVars, recheckVar } from './form-fields';
import { type ErrorKey, FIELDS, FIELD_LABELS, type FormErrors, fieldErrorFromMessage, groupErrors } from './form-errors';
import { type VarInput, initialInputs } from './typed-vars';

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
  const [inputs, setInputs] = useState<Record<string, VarInput>>({});
  const [rows, setRows] = useState<VarRow[]>([]);
  const [limit, setLimit] = useState('');
  const [tags, setTags] = useState('');
  const [skipTags, setSkipTags] = useState('');
  const [checkMode, setCheckMode] = useState(false);
  const [runAt, setRunAt] = useState('');
  const [errors, setErrors] = useState<FormErrors>({});
  const [busy, setBusy] = useState(false);

  const list = templates.data ?? [];
  const template = list.find((t) => t.name === templateName);
  const declared = template ? Object.keys(template.vars.properties) : [];

  // Set as soon as a template is chosen, by the user or by default. A ref, not state: the default's effect
  // can run after a user's pick in the same tick (React flushes pending effects before a discrete event's
  // update), and must then see that pick rather than the empty name its render closed over.
  const templateChosen = useRef(false);

  function chooseTemplate(name: string): void {
    templateChosen.current = true;
    const next = list.find((t) => t.name === name);
    setTemplateName(name);
    setInventory(next?.defaultInventory ?? '');
    setInputs(next ? initialInputs(next.vars) : {});
    setRows([]);
    setLimit('');
    setErrors({});
  }

  // Start on the first template once the catalog has loaded (or the one named in ?template=).
  useEffect(() => {
    if (!templateChosen.current && list.length > 0) {
      const wanted = new URLSearchParams(window.location.search).get('template');
      chooseTemplate(list.some((t) => t.name === wanted) ? (wanted as string) : (list[0]).name);
    }
    // Only when the catalog first arrives: later refreshes must not reset what the user chose.
  }, [list.length]);

  /** A var's field shows its problem until it is fixed, re-checked on every change once it was wrong. */
  function changeVar(name: string, input: VarInput): void {
    setInputs((prev) => ({ ...prev, [name]: input }));
    const key: ErrorKey = `extraVars.${name}`;
    if (!errors[key]) return;
    setErrors((prev) => ({ ...prev, [key]: recheckVar(template, name, input) }));
  }

  /** Focus the first field in error, in the order the form shows them. */
  function focusFirst(found: FormErrors): void {
    const order: [ErrorKey, string][] = [
      ['template', 'field-template'],
      ['inventory', 'field-inventory'],
      ...declared.map((name): [ErrorKey, string] => [`extraVars.${name}`, `var-${name}`]),
      ...FIELDS.filter((f) => f !== 'template' && f !== 'inventory').map((f): [ErrorKey, string] => [f, `field-${f}`]),
    ];
    const first = order.find(([key]) => found[key]);
    if (first) document.getElementById(first[1])?.focus();
  }

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (!template) return;
    const collected = collectVars(template, inputs, rows, { withSecrets: true });
    const found: FormErrors = { ...collected.errors };
    let runAtIso: string | undefined;
    if (runAt) {
      const when = new Date(runAt);
      if (Number.isNaN(when.getTime())) found.runAt = [`${FIELD_LABELS.runAt} is not a valid date and time`];
      else runAtIso = when.toISOString();
    }
    if (Object.keys(found).length > 0) {
      setErrors(found);
      focusFirst(found);
      return;
    }
    const extraVars = collected.values;
    const body = {
      template: templateName,
      inventory: inventory || undefined,
      extraVars: Object.keys(extraVars).length > 0 ? extraVars : undefined,
      limit: limit.trim() || undefined,
      tags: splitList(tags),
      skipTags: splitList(skipTags),
      // Only where the template allows it (a box ticked for another template is not sent).
      checkMode: (template.checkMode && checkMode) || undefined,
      runAt: runAtIso,
    };
    setBusy(true);
    setErrors({});
    try {
      const release = await api<Release>('POST', '/api/v1/releases', body);
      navigate(`/releases/${release.id}`);
    } catch (e) {
      setBusy(false);
      if (e instanceof ApiError && (e.fieldErrors.length > 0 || e.status === 400)) {
        const grouped = groupErrors(e.fieldErrors.length > 0 ? e.fieldErrors : [fieldErrorFromMessage(e.message)], declared);
        setErrors(grouped);
        focusFirst(grouped);
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
        <TemplateInventoryFields templates={list} templateName={templateName} inventory={inventory} errors={errors} onTemplate={chooseTemplate} onInventory={setInventory} />
        {template?.approval && template.approval.inventories.includes(inventory) && (
          <p className="notice" data-testid="needs-approval">
            A release of {template.name} on {inventory} waits for {template.approval.approvers} approver
            {template.approval.approvers === 1 ? '' : 's'}
            {template.approval.allowSelfApproval ? '' : ' other than you'} before it runs
            {template.approval.preview ? '; a check-mode preview runs first' : ''}.
          </p>
        )}

        <TemplateVars template={template} names={declared} inputs={inputs} rows={rows} errors={errors} onVarChange={changeVar} onRowsChange={setRows} />

        <div className="form-row">
          {template?.limit !== 'none' && (
            <Field name="limit" label="Limit" errors={errors.limit} hint="Hosts or groups (ansible --limit); empty for all.">
              {(props) =>
                Array.isArray(template?.limit) ? (
                  <select {...props} value={limit} onChange={(e) => setLimit(e.target.value)}>
                    <option value="">All hosts</option>
                    {template.limit.map((pattern) => (
                      <option key={pattern} value={pattern}>
                        {pattern}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input {...props} type="text" value={limit} onChange={(e) => setLimit(e.target.value)} spellCheck={false} />
                )
              }
            </Field>
          )}
          <Field name="runAt" label="Start time" errors={errors.runAt} hint={`Optional, in your time zone (${localZoneName()}); empty starts as soon as possible.`}>
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
        {template?.checkMode && (
          <div className="field">
            <label className="toggle">
              <input id="field-checkMode" type="checkbox" checked={checkMode} onChange={(e) => setCheckMode(e.target.checked)} />
              Check mode (preview) <span className="muted">(--check --diff: shows what would change, changes nothing)</span>
            </label>
            <FieldMessages name="checkMode" errors={errors.checkMode} />
          </div>
        )}
        {!template?.checkMode && errors.checkMode && <FieldMessages name="checkMode" errors={errors.checkMode} />}

        <div className="form-actions">
          <button type="submit" className="button primary" disabled={busy || !templateName}>
            {busy ? 'Starting…' : 'Start release'}
          </button>
        </div>
      </form>
    </section>
  );
}

function localZoneName(): string {
  return new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' }).formatToParts(new Date()).find((p) => p.type === 'timeZoneName')?.value ?? 'local';
}

