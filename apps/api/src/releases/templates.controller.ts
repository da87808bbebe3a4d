import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { CATALOG, type Catalog, redactSecrets } from '@slipway/ansible';
import { Roles } from '../auth/auth.decorators.js';
import { ApiOkResponse } from '@nestjs/swagger';
import { ApiGuardedErrors } from '../openapi/api-responses.js';
import { TemplateBody } from '../openapi/schemas.js';

@ApiTags('templates')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/templates')
@Roles('viewer')
export class TemplatesController {
  constructor(@Inject(CATALOG) private readonly catalog: Catalog) {}

  @Get()
  @ApiOkResponse({ type: [TemplateBody] })
  list() {
    return Object.values(this.catalog.templates).map((t) => ({
      name: t.name,
      description: t.description ?? null,
      playbook: t.playbook,
      inventories: t.inventories,
      defaultInventory: t.inventories[0] ?? null,
      timeoutSeconds: t.timeoutSeconds,
      extraVars: redactSecrets(t.extraVars, t.secretVars),
      secretVars: t.secretVars,
      lock: t.lock,
    }));
  }
}
