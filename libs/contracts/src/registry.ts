import { z } from 'zod';

/** Metadata of a named contract schema: its name in the OpenAPI document's components.schemas. */
export interface ContractMeta {
  id: string;
  description?: string;
}

/**
 * Every named schema of the API's contract. The OpenAPI document's components are generated from it
 * (openapi.ts), so a schema registered here is documented exactly as it validates.
 */
export const contractRegistry = z.registry<ContractMeta>();

/** Registers a schema under its OpenAPI component name and returns it. */
export function named<S extends z.ZodType>(id: string, schema: S, description?: string): S {
  contractRegistry.add(schema, description === undefined ? { id } : { id, description });
  return schema;
}
