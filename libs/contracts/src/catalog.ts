import { z } from 'zod';
import { fieldError, isoTime } from './common.js';
import { named } from './registry.js';

/** `POST /api/v1/catalog/reload` 200: the new catalog is in force in the API; workers were told to re-read theirs. */
export const catalogReloadAppliedBody = named(
  'CatalogReloadAppliedBody',
  z.strictObject({
    result: z.literal('applied'),
    file: z.string().meta({ example: '/etc/slipway/catalog.yml' }),
    loadedAt: isoTime.meta({ description: 'When the catalog now in force was loaded' }),
    templates: z.array(z.string()).meta({ description: 'Every template now in force' }),
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(z.string()).meta({ description: 'Templates whose entry (playbook, vars, inventories, their paths, …) changed' }),
    workersNotified: z.number().int().nullable().meta({ description: 'Workers listening when the reload was announced; null if Redis did not take it' }),
    workersProblem: z.string().optional().meta({ description: 'Why the workers were not told' }),
  }),
);
export type CatalogReloadApplied = z.infer<typeof catalogReloadAppliedBody>;

/**
 * `POST /api/v1/catalog/reload` 422: the file has problems; 400: the file is valid but refused by a rule
 * outside it (a template needs more approvers than could approve). Either way the catalog in force is unchanged.
 */
export const catalogReloadRefusedBody = named(
  'CatalogReloadRefusedBody',
  z.strictObject({
    statusCode: z.union([z.literal(422), z.literal(400)]),
    error: z.enum(['Unprocessable Entity', 'Bad Request']),
    message: z.string(),
    result: z.literal('refused'),
    file: z.string().meta({ example: '/etc/slipway/catalog.yml' }),
    loadedAt: isoTime.meta({ description: 'When the catalog still in force was loaded' }),
    problems: z.array(z.string()).meta({ example: ['templates.deploy-web.playbook: file not found: deploy.yml'], description: 'Every problem, one entry each' }),
    errors: z.array(fieldError).meta({ description: 'The same problems with the catalog path each is about' }),
  }),
);
export type CatalogReloadRefused = z.infer<typeof catalogReloadRefusedBody>;
