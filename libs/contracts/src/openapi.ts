import { z } from 'zod';
import { contractRegistry } from './registry.js';

/** Where a component lives in the OpenAPI document. */
export const componentRef = (id: string) => ({ $ref: `#/components/schemas/${id}` });

type JsonSchema = Record<string, unknown>;

/** Names the request schemas are registered under end in Request or Query: they are documented as input. */
const isInput = (id: string) => /(?:Request|Query)$/.test(id);

/**
 * The OpenAPI 3.0 `components.schemas` of every contract schema, generated from the zod schemas the API
 * validates with: requests as what a client may send (`io: 'input'`), answers as what the API sends.
 */
export function openApiComponents(): Record<string, JsonSchema> {
  const generate = (io: 'input' | 'output') =>
    z.toJSONSchema(contractRegistry, { target: 'openapi-3.0', io, uri: (id) => componentRef(id).$ref, unrepresentable: 'any', override: ({ jsonSchema }) => quieten(jsonSchema) })
      .schemas as Record<string, JsonSchema>;
  const input = generate('input');
  const output = generate('output');
  return Object.fromEntries(Object.keys(output).map((id) => [id, stripDialect(isInput(id) ? input[id] : output[id])]));
}

/** Components carry no `$schema` or `$id` (the document's dialect is OpenAPI's own; the ref is the name). */
function stripDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

/** What zod adds that tells a reader nothing: safe-integer bounds on every int, its long date-time regex. */
function quieten(schema: { minimum?: unknown; maximum?: unknown; format?: unknown; pattern?: unknown }): void {
  if (schema.minimum === Number.MIN_SAFE_INTEGER) delete schema.minimum;
  if (schema.maximum === Number.MAX_SAFE_INTEGER) delete schema.maximum;
  if (schema.format === 'date-time') delete schema.pattern;
}
