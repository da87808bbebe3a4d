import { componentRef } from '@slipway/contracts';
import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ApiTokenEntity } from '@slipway/db';
import { AuditService } from '../audit/audit.service.js';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators.js';
import { Authenticator } from '../auth/authenticator.js';
import { BOOTSTRAP_NAME, type Principal } from '../auth/principal.js';
import { newSecret, sha256Hex } from '../auth/secrets.js';
import { type CreateTokenRequest, createTokenRequest } from '@slipway/contracts';
import { contract } from '../common/contract-validation.js';
import { DuplicateTokenNameError, TokenStore } from './token.store.js';
import { ApiCreatedResponse, ApiOkResponse } from '@nestjs/swagger';
import { ApiErrors, ApiGuardedErrors } from '../openapi/api-responses.js';
import { idParam } from '../common/id-param.pipe.js';

const TOKEN_PREFIX = 'slw_';

/** A token as listed: never its value or hash. */
function toTokenView(token: ApiTokenEntity) {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    createdAt: token.createdAt,
    createdBy: token.createdBy,
    revokedAt: token.revokedAt,
    revokedBy: token.revokedBy,
  };
}

@ApiTags('tokens')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/tokens')
@Roles('admin')
export class TokensController {
  constructor(
    private readonly tokens: TokenStore,
    private readonly audit: AuditService,
    private readonly authenticator: Authenticator,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a token; the response is the only time its value is shown' })
  @ApiCreatedResponse({ schema: componentRef('CreatedTokenBody') })
  @ApiErrors(400, { 409: 'A token with this name exists' })
  @ApiBody({ schema: componentRef('CreateTokenRequest') })
  async create(@Body(contract(createTokenRequest)) body: CreateTokenRequest, @CurrentPrincipal() principal: Principal) {
    if (body.name === BOOTSTRAP_NAME) {
      throw new BadRequestException(`name: "${BOOTSTRAP_NAME}" is reserved for SLIPWAY_BOOTSTRAP_TOKEN`);
    }
    const token = newSecret(TOKEN_PREFIX);
    let row: ApiTokenEntity;
    try {
      row = await this.tokens.create({ name: body.name, role: body.role, tokenHash: sha256Hex(token), createdBy: principal.name });
    } catch (error) {
      if (error instanceof DuplicateTokenNameError) throw new ConflictException(`name: ${error.message}`);
      throw error;
    }
    await this.audit.record(principal.name, 'token.create', { type: 'token', id: row.id }, { name: row.name, role: row.role });
    return { ...toTokenView(row), token };
  }

  @Get()
  @ApiOperation({ summary: 'All tokens, revoked ones included (never their values)' })
  @ApiOkResponse({ schema: componentRef('TokenList') })
  async list() {
    return (await this.tokens.list()).map(toTokenView);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke a token: it and the sessions made from it stop working at once' })
  @ApiOkResponse({ schema: componentRef('TokenBody'), description: 'The token, now revoked' })
  @ApiErrors(400, 404, { 409: 'Already revoked' })
  async revoke(@Param('id', idParam) id: number, @CurrentPrincipal() principal: Principal) {
    const existing = await this.tokens.findById(id);
    if (!existing) throw new NotFoundException(`id: token ${id} not found`);
    if (!(await this.tokens.revoke(id, principal.name))) throw new ConflictException(`id: token ${id} is already revoked`);
    this.authenticator.forgetToken(id);
    await this.audit.record(principal.name, 'token.revoke', { type: 'token', id }, { name: existing.name, role: existing.role });
    return toTokenView((await this.tokens.findById(id)) ?? existing);
  }
}
