import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { type Template, componentRef } from '@slipway/contracts';
import { CatalogHolder, redactSecrets, toVarsJsonSchema } from '@slipway/ansible';
import { Roles } from '../auth/auth.decorators.js';
import { ApiGuardedErrors } from '../openapi/api-responses.js';

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
  @ApiOkResponse({ schema: componentRef('TemplateList') })
  list(): Template[] {
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
      checkMode: t.checkMode,
      approval: t.approval ?? null,
    }));
  }
}
