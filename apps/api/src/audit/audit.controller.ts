import { componentRef } from '@slipway/contracts';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type AuditQuery, auditQuery } from '@slipway/contracts';
import { contract } from '../common/contract-validation.js';
import { Roles } from '../auth/auth.decorators.js';
import { AuditService } from './audit.service.js';
import { ApiOkResponse } from '@nestjs/swagger';
import { ApiErrors, ApiGuardedErrors, ApiQueryOf } from '../openapi/api-responses.js';

@ApiTags('audit')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'The audit trail, newest first: create, cancel, re-run, token create/revoke, catalog reload; page on with ?before=<nextBefore>' })
  @ApiQueryOf('AuditQuery')
  @ApiOkResponse({ schema: componentRef('AuditPage') })
  @ApiErrors(400)
  async list(@Query(contract(auditQuery)) query: AuditQuery) {
    return this.audit.list(query);
  }
}
