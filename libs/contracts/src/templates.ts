import { z } from 'zod';
import { named } from './registry.js';

export const VAR_TYPES = ['string', 'integer', 'number', 'boolean', 'array'] as const;
export type VarType = (typeof VAR_TYPES)[number];

/**
 * JSON Schema of one declared var (libs/ansible toVarsJsonSchema). No `type`: an untyped var (a legacy
 * `extraVars:` default), any JSON value. A secret has `x-secret` and never a `default`.
 */
export const varJsonSchema = named(
  'VarJsonSchema',
  z
    .strictObject({
      type: z.enum(VAR_TYPES).optional(),
      description: z.string().optional(),
      default: z.unknown().optional().meta({ description: 'Applied when a release does not send the var; never present for secrets' }),
      enum: z.array(z.union([z.string(), z.number()])).optional(),
      minimum: z.number().optional(),
      maximum: z.number().optional(),
      minLength: z.number().int().optional(),
      maxLength: z.number().int().optional(),
      pattern: z.string().optional().meta({ description: 'Anchored: the whole value must match, e.g. ^(?:[0-9]+\\.[0-9]+\\.[0-9]+)$' }),
      items: z
        .strictObject({
          type: z.literal('string'),
          minLength: z.number().int().optional(),
          maxLength: z.number().int().optional(),
          pattern: z.string().optional(),
        })
        .optional(),
      minItems: z.number().int().optional(),
      maxItems: z.number().int().optional(),
      writeOnly: z.literal(true).optional(),
      'x-secret': z.literal(true).optional().meta({ description: 'The value is masked everywhere Slipway shows it' }),
    })
    .meta({ description: 'JSON Schema of one var. No `type`: an untyped var (legacy `extraVars:` default). Secrets never carry `default`.' }),
);
export type VarJsonSchema = z.infer<typeof varJsonSchema>;

/** A template's `vars`: JSON Schema of a release's extraVars; `additionalProperties` is its openVars. */
export const templateVarsJsonSchema = z.strictObject({
  type: z.literal('object'),
  properties: z.record(z.string(), varJsonSchema),
  required: z.array(z.string()),
  additionalProperties: z.boolean(),
});
export type TemplateVarsJsonSchema = z.infer<typeof templateVarsJsonSchema>;

/** Which `limit` a release may send: "any" host or group of the inventory, "none", or only these patterns. */
export const limitPolicy = z.union([z.enum(['any', 'none']), z.array(z.string())]);
export type LimitPolicy = z.infer<typeof limitPolicy>;

/** One element of `GET /api/v1/templates` (apps/api templates.controller.ts). */
export const templateBody = named(
  'TemplateBody',
  z.strictObject({
    name: z.string().meta({ example: 'deploy-web' }),
    description: z.string().nullable(),
    playbook: z.string().meta({ example: 'deploy-web.yml' }),
    inventories: z.array(z.string()).meta({ example: ['staging', 'prod'] }),
    defaultInventory: z.string().nullable().meta({ example: 'staging' }),
    timeoutSeconds: z.number().int().meta({ example: 120 }),
    extraVars: z.record(z.string(), z.unknown()).meta({ description: 'Literal defaults (secrets as "********"); kept for older clients, see vars' }),
    secretVars: z.array(z.string()).meta({ example: ['db_password'] }),
    lock: z.string().meta({ example: '{template}:{inventory}' }),
    vars: templateVarsJsonSchema.meta({ description: "JSON Schema of the release's extraVars; additionalProperties is the template's openVars" }),
    openVars: z.boolean().meta({ description: 'A release may add undeclared vars (never reserved names)' }),
    limit: limitPolicy.meta({ description: '"any": hosts and groups of the inventory; "none": no limit; a list: only these patterns' }),
    refOverride: z.boolean().meta({ description: "A release may pass `ref`: another branch, tag or commit of the catalog's git project" }),
    checkMode: z.boolean().meta({ description: 'A release may set checkMode (ansible --check --diff, a preview); refused with 400 otherwise' }),
    approval: z
      .strictObject({
        approvers: z.number().int(),
        allowSelfApproval: z.boolean(),
        expiresAfterSeconds: z.number().int(),
        preview: z.boolean(),
        inventories: z.array(z.string()).meta({ description: 'Releases on these inventories wait for approval' }),
      })
      .nullable()
      .meta({ description: 'Releases of it wait for approval (README "Approvals"); null: none needed' }),
  }),
);
export type Template = z.infer<typeof templateBody>;

export const templateList = named('TemplateList', z.array(templateBody), 'The catalog in force');
