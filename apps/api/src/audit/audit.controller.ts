import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { decimalInt } from '../common/decimal-int.js';
import { AUDIT_ACTIONS, AUDIT_TARGET_TYPES, type AuditAction, type AuditTargetType } from '@slipway/db';
import { Roles } from '../auth/auth.decorators.js';
import { AuditService } from './audit.service.js';
import { PageQuery } from '../common/page.query.js';
import { ApiOkResponse } from '@nestjs/swagger';
import { ApiErrors, ApiGuardedErrors } from '../openapi/api-responses.js';
import { AuditPage } from '../openapi/schemas.js';

export class AuditQueryDto extends PageQuery {
  @ApiPropertyOptional({ description: 'Token name that did it' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  actor?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: AuditAction;

  @ApiPropertyOptional({ enum: AUDIT_TARGET_TYPES })
  @IsOptional()
  @IsIn(AUDIT_TARGET_TYPES)
  targetType?: AuditTargetType;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(({ value }) => decimalInt(value))
  @IsInt()
  @Min(1)
  targetId?: number;
}

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
  @ApiOkResponse({ type: AuditPage })
  @ApiErrors(400)
  async list(@Query() query: AuditQueryDto) {
    return this.audit.list(query);
  }
}
