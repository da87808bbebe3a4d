import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { CATALOG, type Catalog, redactSecrets } from '@slipway/ansible';
import { Roles } from '../auth/auth.decorators.js';
import { openVarsOf, varsSchemaOf } from './vars-schema.stand-in.js';

@ApiTags('templates')
@ApiBearerAuth()
@ApiCookieAuth('session')
@Controller('api/v1/templates')
@Roles('viewer')
export class TemplatesController {
  constructor(@Inject(CATALOG) private readonly catalog: Catalog) {}

  @Get()
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
      openVars: openVarsOf(t),
      vars: varsSchemaOf(t),
    }));
  }
}
