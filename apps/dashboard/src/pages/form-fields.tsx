/**
 * Form parts the New release and New schedule forms share: a labelled field with its hint or errors, the
 * template and inventory pickers, a template's vars (its declared vars as typed fields, free rows when it takes undeclared vars), and
 * reading them into the extraVars to send.
 */
import { type ReactNode, useId } from 'react';
import type { Template } from '@slipway/contracts';
import { VarField } from './VarField';
import { type VarRow, rowsToVars } from './extra-vars';
import { FIELD_LABELS, type FormErrors } from './form-errors';
import { type VarInput, controlOf, readVar, readVars } from './typed-vars';

interface ControlProps {
  id: string;
  name: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

export function Field({
  name,
  label,
  errors,
  hint,
  children,
}: {
  name: string;
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

export function FieldMessages({ name, errors, children }: { name: string; errors?: string[]; children?: ReactNode }) {
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

export function VarRows({ rows, onChange, invalid }: { rows: VarRow[]; onChange: (rows: VarRow[]) => void; invalid: boolean }) {
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

/** The declared vars a form edits: all of them, or (a schedule, which stores no secret) those not secret. */
export function editableVars(template: Template | undefined, withSecrets: boolean): string[] {
  if (!template) return [];
  return Object.keys(template.vars.properties).filter((name) => withSecrets || controlOf(template.vars.properties[name]) !== 'password');
}

/**
 * The extraVars to send, or the problems by field (`extraVars.<name>` for a declared var, `extraVars`
 * for the free rows). `onlyChanged`: a declared var left at the catalog's default is not sent, so it
 * follows the catalog's default later (a schedule's vars are kept; a release's are used at once).
 */
export function collectVars(
  template: Template,
  inputs: Record<string, VarInput>,
  rows: VarRow[],
  options: { withSecrets: boolean; onlyChanged?: boolean },
): { values: Record<string, unknown>; errors: FormErrors } {
  const errors: FormErrors = {};
  const names = editableVars(template, options.withSecrets);
  const vars = { ...template.vars, properties: Object.fromEntries(names.map((n) => [n, template.vars.properties[n]])), required: template.vars.required.filter((n) => names.includes(n)) };
  const typed = readVars(vars, inputs);
  for (const [name, message] of Object.entries(typed.errors)) errors[`extraVars.${name}`] = [message];
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(typed.values)) {
    const fallback = template.vars.properties[name].default;
    if (!options.onlyChanged || fallback === undefined || JSON.stringify(fallback) !== JSON.stringify(value)) values[name] = value;
  }
  const free = template.openVars ? rowsToVars(rows) : { vars: {} };
  if ('error' in free) errors.extraVars = [free.error];
  else {
    const clash = Object.keys(free.vars).find((name) => Object.hasOwn(template.vars.properties, name));
    if (clash) errors.extraVars = [`${clash} is a field of this template above: set it there`];
  }
  return { values: { ...('vars' in free ? free.vars : {}), ...values }, errors };
}

/** A declared var's problem, re-checked as it changes once it was shown (undefined: fixed). */
export function recheckVar(template: Template | undefined, name: string, input: VarInput): string[] | undefined {
  const schema = template?.vars.properties[name];
  if (!template || !schema) return undefined;
  const result = readVar(name, schema, input, template.vars.required.includes(name));
  return 'error' in result ? [result.error] : undefined;
}

/** A template's vars: its declared vars as typed fields, then free rows when it accepts undeclared vars. */
export function TemplateVars({
  template,
  names,
  inputs,
  rows,
  errors,
  onVarChange,
  onRowsChange,
  note,
}: {
  template: Template | undefined;
  /** The declared vars shown (editableVars). */
  names: string[];
  inputs: Record<string, VarInput>;
  rows: VarRow[];
  errors: FormErrors;
  onVarChange: (name: string, input: VarInput) => void;
  onRowsChange: (rows: VarRow[]) => void;
  /** Shown under the declared vars (e.g. why secrets are not among them). */
  note?: ReactNode;
}) {
  if (!template) return null;
  return (
    <>
      {(names.length > 0 || note) && (
        <fieldset className="field vars">
          <legend>Vars</legend>
          {names.map((name) => (
            <VarField
              key={`${template.name}/${name}`}
              name={name}
              schema={template.vars.properties[name]}
              required={template.vars.required.includes(name)}
              input={inputs[name] ?? ''}
              errors={errors[`extraVars.${name}`]}
              onChange={(input) => onVarChange(name, input)}
            />
          ))}
          {note && <p className="hint">{note}</p>}
        </fieldset>
      )}
      {template.openVars && (
        <fieldset className="field vars" aria-describedby={errors.extraVars ? 'error-extraVars' : 'hint-extraVars'}>
          <legend>{names.length > 0 ? 'Additional vars' : FIELD_LABELS.extraVars}</legend>
          <VarRows rows={rows} onChange={onRowsChange} invalid={Boolean(errors.extraVars)} />
          <FieldMessages name="extraVars" errors={errors.extraVars}>
            This template accepts vars it does not declare. Numbers, true/false and JSON values keep their type; anything else is text.
          </FieldMessages>
        </fieldset>
      )}
      {!template.openVars && errors.extraVars && <FieldMessages name="extraVars" errors={errors.extraVars} />}
    </>
  );
}

/** The template picker (the catalog's templates) and the inventory picker (the chosen template's). */
export function TemplateInventoryFields({
  templates,
  templateName,
  inventory,
  errors,
  onTemplate,
  onInventory,
}: {
  templates: Template[];
  templateName: string;
  inventory: string;
  errors: Partial<Record<string, string[]>>;
  onTemplate: (name: string) => void;
  onInventory: (name: string) => void;
}) {
  const template = templates.find((t) => t.name === templateName);
  return (
    <>
      <Field name="template" label="Template" errors={errors.template} hint={template?.description ?? undefined}>
        {(props) => (
          <select {...props} value={templateName} onChange={(e) => onTemplate(e.target.value)} disabled={templates.length === 0}>
            {templates.length === 0 && <option value="">Loading…</option>}
            {templates.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field name="inventory" label="Inventory" errors={errors.inventory} hint="Only the inventories this template allows.">
        {(props) => (
          <select {...props} value={inventory} onChange={(e) => onInventory(e.target.value)}>
            {(template?.inventories ?? []).map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        )}
      </Field>
    </>
  );
}
