import type { ReactNode } from 'react';
import type { VarJsonSchema } from '@slipway/contracts';
import { type VarControl, type VarInput, controlOf, listItems } from './typed-vars';

/** One declared var as the input that fits its type. */
export function VarField({
  name,
  schema,
  required,
  input,
  errors,
  onChange,
}: {
  name: string;
  schema: VarJsonSchema;
  required: boolean;
  input: VarInput;
  errors?: string[];
  onChange: (input: VarInput) => void;
}) {
  const id = `var-${name}`;
  const control = controlOf(schema);
  const help = [sentence(schema.description), constraintsOf(schema, control)].filter(Boolean).join(' ');
  const describedBy = errors ? `error-${id}` : help ? `hint-${id}` : undefined;
  const common = {
    id,
    name,
    'aria-invalid': errors ? (true as const) : undefined,
    'aria-describedby': describedBy,
    'aria-required': required || undefined,
  };
  const text = typeof input === 'string' ? input : '';
  let field: ReactNode;
  if (control === 'checkbox') {
    field = (
      <label className="toggle">
        <input {...common} type="checkbox" checked={input === true} onChange={(e) => onChange(e.target.checked)} />
        {name}
        {required && <RequiredMark />}
      </label>
    );
  } else if (control === 'select') {
    field = (
      <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
        {(!required || schema.default === undefined) && text === '' && <option value="">—</option>}
        {(schema.enum ?? []).map((option) => (
          <option key={String(option)} value={String(option)}>
            {String(option)}
          </option>
        ))}
      </select>
    );
  } else if (control === 'number') {
    field = (
      <input
        {...common}
        type="number"
        inputMode={schema.type === 'integer' ? 'numeric' : 'decimal'}
        step={schema.type === 'integer' ? 1 : 'any'}
        min={schema.minimum}
        max={schema.maximum}
        value={text}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  } else if (control === 'list') {
    field = <textarea {...common} className="code-input" rows={Math.max(3, listItems(text).length + 1)} spellCheck={false} value={text} onChange={(e) => onChange(e.target.value)} />;
  } else {
    field = (
      <input
        {...common}
        type={control === 'password' ? 'password' : 'text'}
        autoComplete={control === 'password' ? 'new-password' : 'off'}
        spellCheck={false}
        placeholder={control === 'password' ? 'secret: empty keeps the catalog value' : undefined}
        maxLength={schema.maxLength}
        value={text}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <div className="field">
      {control !== 'checkbox' && (
        <label htmlFor={id}>
          <code>{name}</code>
          {required && <RequiredMark />}
        </label>
      )}
      {field}
      {errors && errors.length > 0 ? (
        <p className="field-error" id={`error-${id}`} role="alert" data-field={`extraVars.${name}`}>
          {errors.join(' ')}
        </p>
      ) : help ? (
        <p className="hint" id={`hint-${id}`}>
          {help}
        </p>
      ) : null}
    </div>
  );
}

function RequiredMark() {
  return (
    <span className="required" title="required" aria-label="required">
      {' *'}
    </span>
  );
}

/** The rules of a var in words, so nobody has to fail once to learn them. */
function constraintsOf(schema: VarJsonSchema, control: VarControl): string {
  const parts: string[] = [];
  if (control === 'list') parts.push('One item a line.');
  if (control === 'password') parts.push('Secret: never shown again, masked in logs.');
  if (control === 'untyped') parts.push('Numbers, true/false and JSON values keep their type; anything else is text.');
  if (schema.minimum !== undefined && schema.maximum !== undefined) parts.push(`${schema.minimum} to ${schema.maximum}.`);
  else if (schema.minimum !== undefined) parts.push(`At least ${schema.minimum}.`);
  else if (schema.maximum !== undefined) parts.push(`At most ${schema.maximum}.`);
  if (schema.pattern !== undefined) parts.push(`Pattern: ${schema.pattern}`);
  return parts.join(' ');
}

function sentence(text: string | undefined): string | undefined {
  if (!text) return undefined;
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
