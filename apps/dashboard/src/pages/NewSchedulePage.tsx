import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { ApiError, api } from '../api/client';
import type { FieldError, Schedule, SchedulePreview, Template } from '@slipway/contracts';
import { Link, navigate } from '../lib/router';
import { usePolling } from '../lib/use-polling';
import type { VarRow } from './extra-vars';
import { Field, FieldMessages, TemplateInventoryFields, TemplateVars, collectVars, editableVars, recheckVar } from './form-fields';
import { fieldErrorFromMessage } from './form-errors';
import { type VarInput, controlOf, initialInputs } from './typed-vars';

/** The form's fields in the order shown (the first in error gets the focus), and what each is called on screen. */
const SCHEDULE_FIELDS = ['name', 'template', 'inventory', 'extraVars', 'cron', 'timeZone', 'missedGraceSeconds'] as const;
type ScheduleField = (typeof SCHEDULE_FIELDS)[number];
const LABELS: Record<ScheduleField, string> = {
  name: 'Name',
  template: 'Template',
  inventory: 'Inventory',
  extraVars: 'Extra vars',
  cron: 'Cron',
  timeZone: 'Time zone',
  missedGraceSeconds: 'Missed-tick grace',
};
type Errors = Partial<Record<string, string[]>>;

/** How long typing in cron or time zone settles before the preview asks the API. */
const PREVIEW_DEBOUNCE_MS = 300;

function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function knownZones(): string[] {
  const intl = Intl as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf ? ['UTC', ...intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')] : ['UTC'];
}

/** "extraVars.canary" stays a var's own key when the form shows that var; "cron: …" names the cron field. */
function keyOf(field: string, vars: readonly string[]): string {
  const v = /^extraVars\.([^.[]+)/.exec(field)?.[1];
  if (v !== undefined && vars.includes(v)) return `extraVars.${v}`;
  const head = field.split(/[.[]/)[0];
  return (SCHEDULE_FIELDS as readonly string[]).includes(head) ? head : 'form';
}

/** The API's "cron: never fires" as "Cron never fires": the field's name on screen, not the API's. */
function relabel(error: FieldError): string {
  const head = error.field.split(/[.[]/)[0] as ScheduleField;
  const label = error.field.startsWith('extraVars.') ? error.field.slice('extraVars.'.length) : LABELS[head];
  if (!label || !error.message.startsWith(error.field)) return error.message;
  return `${label}${error.message.slice(error.field.length).replace(/^:\s*/, ' ')}`;
}

function groupErrors(errors: FieldError[], vars: readonly string[]): Errors {
  const grouped: Errors = {};
  for (const error of errors) (grouped[keyOf(error.field, vars)] ??= []).push(relabel(error));
  return grouped;
}

/** "Tue, 8 Dec 2026, 02:30" in the schedule's own time zone. */
function inZone(iso: string, timeZone: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(new Date(iso));
  } catch {
    return iso;
  }
}

/** A deployer creates a schedule: a template's launch with its vars, on a cron in an IANA time zone, previewed as it is typed. */
export function NewSchedulePage() {
  const templates = usePolling('templates', () => api<Template[]>('GET', '/api/v1/templates'), 60_000);
  const [name, setName] = useState('');
  const [templateName, setTemplateName] = useState('');
  const [inventory, setInventory] = useState('');
  const [inputs, setInputs] = useState<Record<string, VarInput>>({});
  const [rows, setRows] = useState<VarRow[]>([]);
  const [cron, setCron] = useState('30 2 * * *');
  const [timeZone, setTimeZone] = useState(browserZone);
  const [grace, setGrace] = useState('');
  const [paused, setPaused] = useState(false);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState<{ runs: string[]; cron: string; zone: string } | null>(null);
  const [previewErrors, setPreviewErrors] = useState<Errors>({});
  const zones = useMemo(knownZones, []);

  const list = templates.data ?? [];
  const template = list.find((t) => t.name === templateName);
  const shown = editableVars(template, false);
  const secrets = template ? Object.keys(template.vars.properties).filter((n) => controlOf(template.vars.properties[n]) === 'password') : [];

  function chooseTemplate(next: string): void {
    const found = list.find((t) => t.name === next);
    setTemplateName(next);
    setInventory(found?.defaultInventory ?? '');
    setInputs(found ? initialInputs(found.vars) : {});
    setRows([]);
    setErrors({});
  }

  useEffect(() => {
    if (templateName === '' && list.length > 0) chooseTemplate(list[0].name);
    // Only when the catalog first arrives.
  }, [list.length]);

  // The live preview: the API's own reading of the cron in that zone (the ticker uses the same one).
  useEffect(() => {
    if (cron.trim() === '' || timeZone.trim() === '') {
      setPreview(null);
      return;
    }
    let stale = false;
    const timer = window.setTimeout(() => {
      api<SchedulePreview>('POST', '/api/v1/schedules/preview', { cron: cron.trim(), timeZone: timeZone.trim(), count: 5 })
        .then((answer) => {
          if (stale) return;
          setPreview({ runs: answer.nextRuns, cron: answer.cron, zone: answer.timeZone });
          setPreviewErrors({});
        })
        .catch((e: unknown) => {
          if (stale) return;
          setPreview(null);
          if (e instanceof ApiError && e.status === 400) setPreviewErrors(groupErrors(e.fieldErrors.length > 0 ? e.fieldErrors : [fieldErrorFromMessage(e.message)], []));
          else setPreviewErrors({ preview: [e instanceof Error ? e.message : String(e)] });
        });
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      stale = true;
      window.clearTimeout(timer);
    };
  }, [cron, timeZone]);

  function changeVar(varName: string, input: VarInput): void {
    setInputs((prev) => ({ ...prev, [varName]: input }));
    const key = `extraVars.${varName}`;
    if (errors[key]) setErrors((prev) => ({ ...prev, [key]: recheckVar(template, varName, input) }));
  }

  /** Cron and time zone: a submitted error goes as they change; the preview checks them again as it is typed. */
  function changeTiming(field: 'cron' | 'timeZone', value: string): void {
    if (field === 'cron') setCron(value);
    else setTimeZone(value);
    if (errors[field]) setErrors((prev) => ({ ...prev, [field]: undefined }));
  }

  function focusFirst(found: Errors): void {
    const order: [string, string][] = [
      ['name', 'field-name'],
      ['template', 'field-template'],
      ['inventory', 'field-inventory'],
      ...shown.map((v): [string, string] => [`extraVars.${v}`, `var-${v}`]),
      ['extraVars', 'field-extraVars'],
      ['cron', 'field-cron'],
      ['timeZone', 'field-timeZone'],
      ['missedGraceSeconds', 'field-missedGraceSeconds'],
    ];
    const first = order.find(([key]) => found[key]);
    if (first) document.getElementById(first[1])?.focus();
  }

  async function submit(event: FormEvent): Promise<void> {
    event.preventDefault();
    if (!template) return;
    const collected = collectVars(template, inputs, rows, { withSecrets: false, onlyChanged: true });
    const found: Errors = { ...collected.errors };
    if (name.trim() === '') found.name = ['Name is required'];
    let graceSeconds: number | undefined;
    if (grace.trim() !== '') {
      graceSeconds = Number(grace);
      if (!Number.isInteger(graceSeconds) || graceSeconds < 0) found.missedGraceSeconds = [`${LABELS.missedGraceSeconds} must be a whole number of seconds, 0 or more`];
    }
    if (Object.keys(found).length > 0) {
      setErrors(found);
      focusFirst(found);
      return;
    }
    const body = {
      name: name.trim(),
      template: templateName,
      inventory: inventory || undefined,
      extraVars: Object.keys(collected.values).length > 0 ? collected.values : undefined,
      cron: cron.trim(),
      timeZone: timeZone.trim(),
      missedGraceSeconds: graceSeconds,
      paused: paused || undefined,
    };
    setBusy(true);
    setErrors({});
    try {
      const created = await api<Schedule>('POST', '/api/v1/schedules', body);
      navigate(`/schedules/${created.id}`);
    } catch (e) {
      setBusy(false);
      if (e instanceof ApiError && (e.fieldErrors.length > 0 || e.status === 400 || e.status === 409)) {
        const grouped = groupErrors(e.fieldErrors.length > 0 ? e.fieldErrors : [fieldErrorFromMessage(e.message)], shown);
        setErrors(grouped);
        focusFirst(grouped);
      } else {
        setErrors({ form: [e instanceof Error ? e.message : String(e)] });
      }
    }
  }

  // Only the answer for what the fields hold now: never the runs of what was typed before.
  const current = preview && preview.cron === cron.trim() && preview.zone === timeZone.trim() ? preview : null;
  const cronErrors = errors.cron ?? previewErrors.cron;
  const zoneErrors = errors.timeZone ?? previewErrors.timeZone;

  return (
    <section className="page narrow">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link href="/schedules">Schedules</Link> <span aria-hidden="true">/</span> <span>New</span>
      </nav>
      <h1>New schedule</h1>
      {templates.error && list.length === 0 && (
        <p className="error-text" role="alert">
          Could not load the templates: {templates.error.message}
        </p>
      )}
      <form className="card form" onSubmit={(e) => void submit(e)} noValidate aria-describedby={errors.form ? 'form-errors' : undefined}>
        {errors.form && (
          <div className="notice notice-warn" id="form-errors" role="alert">
            {errors.form.join(' ')}
          </div>
        )}
        <Field name="name" label={LABELS.name} errors={errors.name} hint='Letters, digits, "_", "." or "-"; unique.'>
          {(props) => <input {...props} type="text" value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} autoComplete="off" />}
        </Field>
        <TemplateInventoryFields templates={list} templateName={templateName} inventory={inventory} errors={errors} onTemplate={chooseTemplate} onInventory={setInventory} />
        <TemplateVars
          template={template}
          names={shown}
          inputs={inputs}
          rows={rows}
          errors={errors}
          onVarChange={changeVar}
          onRowsChange={setRows}
          note={
            secrets.length > 0 ? (
              <>
                Secret vars ({secrets.join(', ')}) are not stored in a schedule: each tick uses the catalog&apos;s value.
              </>
            ) : undefined
          }
        />
        <div className="form-row">
          <Field name="cron" label={LABELS.cron} errors={cronErrors} hint="minute hour day month weekday, e.g. 30 2 * * 1-5 (weekdays at 02:30).">
            {(props) => <input {...props} type="text" className="code-input" value={cron} onChange={(e) => changeTiming('cron', e.target.value)} spellCheck={false} autoComplete="off" />}
          </Field>
          <Field name="timeZone" label={LABELS.timeZone} errors={zoneErrors} hint="IANA name, e.g. Europe/Berlin or UTC.">
            {(props) => (
              <>
                <input {...props} type="text" list="time-zones" value={timeZone} onChange={(e) => changeTiming('timeZone', e.target.value)} spellCheck={false} autoComplete="off" />
                <datalist id="time-zones">
                  {zones.map((z) => (
                    <option key={z} value={z} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
        </div>
        <div className="field" aria-live="polite" data-testid="schedule-preview">
          <span className="field-title" id="preview-title">Next runs</span>
          {current ? (
            current.runs.length > 0 ? (
              <ol className="run-list" aria-labelledby="preview-title">
                {current.runs.map((run) => (
                  <li key={run}>
                    <time dateTime={run}>{inZone(run, current.zone)}</time> <span className="muted">({current.zone})</span>
                  </li>
                ))}
              </ol>
            ) : (
              <p className="hint">No run ahead.</p>
            )
          ) : (
            <p className="hint">{previewErrors.preview ? `Preview unavailable: ${previewErrors.preview.join(' ')}` : cronErrors || zoneErrors ? 'Fix the cron or time zone to see the next runs.' : 'Working out the next runs…'}</p>
          )}
        </div>
        <Field name="missedGraceSeconds" label={LABELS.missedGraceSeconds} errors={errors.missedGraceSeconds} hint="Seconds; a tick missed while Slipway was down runs once on return within it, else is recorded as missed. Empty: 900.">
          {(props) => <input {...props} type="number" inputMode="numeric" min={0} step={1} value={grace} onChange={(e) => setGrace(e.target.value)} />}
        </Field>
        <div className="field">
          <label className="toggle">
            <input id="field-paused" type="checkbox" checked={paused} onChange={(e) => setPaused(e.target.checked)} />
            Create it paused <span className="muted">(no tick launches until it is resumed)</span>
          </label>
          <FieldMessages name="paused" errors={errors.paused} />
        </div>
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={busy || !templateName}>
            {busy ? 'Creating…' : 'Create schedule'}
          </button>
        </div>
      </form>
    </section>
  );
}
