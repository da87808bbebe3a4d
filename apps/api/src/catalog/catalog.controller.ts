import { type CatalogReloadApplied, componentRef } from '@slipway/contracts';
import { BadRequestException, Controller, HttpCode, Post, UnprocessableEntityException } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { RequestBudget } from '../common/request-timeout.interceptor.js';
import { ApiGuardedErrors } from '../openapi/api-responses.js';
import { CatalogReloadService } from './catalog-reload.service.js';

/** Covers three batches of ansible-inventory reads at their 30 s timeout. */
const CATALOG_RELOAD_BUDGET_MS = 90_000;

@ApiTags('catalog')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/catalog')
export class CatalogController {
  constructor(private readonly reloads: CatalogReloadService) {}

  @Post('reload')
  @Roles('admin')
  @HttpCode(200)
  // ansible-inventory may take its whole 30 s per batch of inventories on a busy host; never a 503 for that.
  @RequestBudget(CATALOG_RELOAD_BUDGET_MS)
  @ApiOperation({
    summary: 'Re-read and validate the catalog file; swap it in only if all of it is valid, then tell the workers',
    description:
      'Same as SIGHUP to the API. Each worker then re-reads its own copy of the file (and keeps its old catalog, logging every problem, if that copy is invalid). ' +
      'Releases already running keep what they started with; queued ones start with the catalog in force when they start (a queued release whose template or inventory is gone fails, saying so).',
  })
  @ApiOkResponse({ schema: componentRef('CatalogReloadAppliedBody'), description: 'The new catalog is in force' })
  @ApiResponse({ status: 422, schema: componentRef('CatalogReloadRefusedBody'), description: 'The file has problems (each one listed); nothing changed' })
  @ApiResponse({ status: 400, schema: componentRef('CatalogReloadRefusedBody'), description: 'The file is valid but a template needs more approvers than could approve (templates.NAME.approval.approvers); nothing changed' })
  async reload(@CurrentPrincipal() principal: Principal): Promise<CatalogReloadApplied> {
    const result = await this.reloads.reload(principal.name, 'POST /api/v1/catalog/reload');
    if (result.result === 'refused') throw result.statusCode === 400 ? new BadRequestException(result) : new UnprocessableEntityException(result);
    return result;
  }
}
