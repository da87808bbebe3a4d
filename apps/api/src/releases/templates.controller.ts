import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

/** The schema type ApiOkResponse takes (the package does not export its name from its entry point). */
type SchemaObject = NonNullable<Parameters<typeof ApiOkResponse>[0]> extends infer O ? (O extends { schema?: infer S } ? Exclude<S, undefined> : never) : never;
import { CatalogHolder, type TemplateView, redactSecrets, toVarsJsonSchema } from '@slipway/ansible';
import { Roles } from '../auth/auth.decorators.js';
import { ApiGuardedErrors } from '../openapi/api-responses.js';

/** OpenAPI description of one var's JSON Schema (the `VarJsonSchema` contract type in libs/ansible). */
const VAR_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'JSON Schema of one var. No `type`: an untyped var (legacy `extraVars:` default). Secrets never carry `default`.',
  properties: {
    type: { type: 'string', enum: ['string', 'integer', 'number', 'boolean', 'array'] },
    description: { type: 'string' },
    default: { description: 'Applied when a release does not send the var; never present for secrets' },
    enum: { type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'number' }] } },
    minimum: { type: 'number' },
    maximum: { type: 'number' },
    minLength: { type: 'integer' },
    maxLength: { type: 'integer' },
    pattern: { type: 'string', description: 'Anchored: the whole value must match, e.g. ^(?:[0-9]+\\.[0-9]+\\.[0-9]+)$' },
    items: {
      type: 'object',
      properties: { type: { type: 'string', enum: ['string'] }, minLength: { type: 'integer' }, maxLength: { type: 'integer' }, pattern: { type: 'string' } },
    },
    minItems: { type: 'integer' },
    maxItems: { type: 'integer' },
    writeOnly: { type: 'boolean', enum: [true] },
    'x-secret': { type: 'boolean', enum: [true], description: 'The value is masked everywhere Slipway shows it' },
  },
};

const TEMPLATE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['name', 'playbook', 'inventories', 'timeoutSeconds', 'extraVars', 'secretVars', 'lock', 'vars', 'openVars', 'limit'],
  properties: {
    name: { type: 'string', example: 'deploy-web' },
    description: { type: 'string', nullable: true },
    playbook: { type: 'string', example: 'deploy-web.yml' },
    inventories: { type: 'array', items: { type: 'string' }, example: ['staging', 'prod'] },
    defaultInventory: { type: 'string', nullable: true, example: 'staging' },
    timeoutSeconds: { type: 'integer', example: 120 },
    extraVars: { type: 'object', additionalProperties: true, description: 'Literal defaults (secrets as "********"); kept for older clients, see vars' },
    secretVars: { type: 'array', items: { type: 'string' }, example: ['db_password'] },
    lock: { type: 'string', example: '{template}:{inventory}' },
    vars: {
      type: 'object',
      description: "JSON Schema of the release's extraVars; additionalProperties is the template's openVars",
      required: ['type', 'properties', 'required', 'additionalProperties'],
      properties: {
        type: { type: 'string', enum: ['object'] },
        properties: { type: 'object', additionalProperties: VAR_SCHEMA },
        required: { type: 'array', items: { type: 'string' } },
        additionalProperties: { type: 'boolean' },
      },
    },
    openVars: { type: 'boolean', description: 'A release may add undeclared vars (never reserved names)' },
    refOverride: { type: 'boolean', description: "A release may pass `ref`: another branch, tag or commit of the catalog's git project" },
    limit: {
      description: '"any": hosts and groups of the inventory; "none": no limit; a list: only these patterns',
      oneOf: [{ type: 'string', enum: ['any', 'none'] }, { type: 'array', items: { type: 'string' } }],
    },
  },
};

@ApiTags('templates')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/templates')
@Roles('viewer')
export class TemplatesController {
  constructor(private readonly catalogs: CatalogHolder) {}

  @Get()
  @ApiOperation({ summary: 'The catalog: what may be released, with each template’s vars as JSON Schema' })
  @ApiOkResponse({ schema: { type: 'array', items: TEMPLATE_SCHEMA } })
  list(): TemplateView[] {
    // The catalog in force now: a reload (POST /api/v1/catalog/reload, SIGHUP) shows at the next request.
    return Object.values(this.catalogs.current.templates).map((t) => ({
      name: t.name,
      description: t.description ?? null,
      playbook: t.playbook,
      inventories: t.inventories,
      defaultInventory: t.inventories[0] ?? null,
      timeoutSeconds: t.timeoutSeconds,
      extraVars: redactSecrets(t.extraVars, t.secretVars),
      secretVars: t.secretVars,
      lock: t.lock,
      vars: toVarsJsonSchema(t),
      openVars: t.openVars,
      limit: t.limit,
      refOverride: t.refOverride,
    }));
  }
}
