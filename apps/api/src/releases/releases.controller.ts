import { roleAllows } from '../auth/roles.js';
import { Body, Controller, ForbiddenException, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCookieAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CatalogHolder, stripAnsi } from '@slipway/ansible';
import { ReleaseApprovals, ReleaseLauncher, ReleaseStore } from '@slipway/releases';
import { AuditService } from '../audit/audit.service.js';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { idParam } from '../common/id-param.pipe.js';
import { Streaming } from '../common/request-timeout.interceptor.js';
import { type ListReleasesQuery, type LogTextQuery, componentRef, listReleasesQuery, logTextQuery } from '@slipway/contracts';
import { contract } from '../common/contract-validation.js';
import { createRequestShape, rerunChoiceShape, tokenActor } from './launch-shape.js';
import { refusalException } from './refusal-status.js';
import { writeOrClose } from './response-writes.js';
import { toReleaseView } from './release.view.js';
import { ReleasesService } from './releases.service.js';
import { ApiCreatedResponse, ApiOkResponse } from '@nestjs/swagger';
import { ApiErrors, ApiGuardedErrors, ApiQueryOf, ApiTextResponse } from '../openapi/api-responses.js';

/** The log is read and sent in pages, so a million-line log streams in bounded memory. */
const LOG_PAGE_LINES = 20_000;

@ApiTags('releases')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/releases')
export class ReleasesController {
  constructor(
    private readonly releases: ReleasesService,
    private readonly store: ReleaseStore,
    private readonly launcher: ReleaseLauncher,
    private readonly audit: AuditService,
    private readonly catalogs: CatalogHolder,
    private readonly approvals: ReleaseApprovals,
  ) {}

  /** Only for masking releases from before their secret list was recorded (see toReleaseView). */
  private get catalog() {
    return this.catalogs.current;
  }

  @Post()
  @Roles('deployer')
  @HttpCode(201)
  @ApiOperation({ summary: 'Start a release of a catalog template' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Same key and body within 24 h → the first release again (200); same key, other body → 409',
  })
  @ApiBody({ schema: componentRef('CreateReleaseRequest') })
  @ApiResponse({ status: 201, description: 'Created (queued)', schema: componentRef('ReleaseBody') })
  @ApiResponse({ status: 200, description: 'Replayed: the release created earlier with this Idempotency-Key', schema: componentRef('ReleaseBody') })
  @ApiErrors({ 400: 'Every bad field at once: `errors: [{ field, message }]` (e.g. extraVars.canary, limit, tags[0])' }, 413, { 403: 'overrideFreeze given by a token that is not an admin', 409: 'This Idempotency-Key was used with another body, or a freeze window is in force (`window: { id, name, startsAt, endsAt }`)' })
  async create(
    // Not typed as the DTO: the global pipe would validate it first and answer before the catalog's
    // checks run. createRequestShape checks the shape, the launcher the catalog's rules; one answer.
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    const { request, shapeErrors } = createRequestShape(body, idempotencyKey);
    // Overriding a freeze is an admin's decision; the launcher records it, the role is the API's to check.
    if (request.overrideFreeze !== undefined && !roleAllows(principal.role, 'admin')) {
      throw new ForbiddenException('overrideFreeze: only an admin may launch during a freeze window');
    }
    const result = await this.launcher.launch(request, tokenActor(principal), { shapeErrors, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) });
    if (!result.ok) throw refusalException(result.refusal);
    const { release, replayed } = result;
    if (replayed) {
      response.status(200);
      response.setHeader('Idempotent-Replayed', 'true');
    }
    return toReleaseView(release, this.catalog);
  }

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Releases, newest first; page on with ?before=<nextBefore>' })
  @ApiQueryOf('ListReleasesQuery')
  @ApiOkResponse({ schema: componentRef('ReleasePage') })
  @ApiErrors(400)
  async list(@Query(contract(listReleasesQuery)) query: ListReleasesQuery) {
    const page = await this.store.list(query);
    return { ...page, items: page.items.map((r) => toReleaseView(r, this.catalog)) };
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOperation({ summary: 'One release' })
  @ApiOkResponse({ schema: componentRef('ReleaseBody') })
  @ApiErrors(400, 404)
  async get(@Param('id', idParam) id: number) {
    const release = await this.releases.get(id);
    const view = toReleaseView(release, this.catalog);
    // Who it waits for (CLI --wait, the release page): read only for a release that still waits.
    if (!view.approval || release.status !== 'awaiting-approval') return view;
    return { ...view, approval: { ...view.approval, mayApprove: await this.approvals.approversOf(release) } };
  }

  @Get(':id/log')
  @Roles('viewer')
  @Streaming()
  @ApiOperation({
    summary: 'The whole log as text; ?after=<seq> for the lines after one already read; ?download=1 as a file; ?format=plain without ANSI escapes',
  })
  @ApiQueryOf('LogTextQuery')
  @ApiTextResponse(200, 'text/plain', 'The log lines, one per line')
  @ApiErrors(400, 404)
  async log(@Param('id', idParam) id: number, @Query(contract(logTextQuery)) query: LogTextQuery, @Res() res: Response): Promise<void> {
    const release = await this.releases.get(id);
    res.status(200).type('text/plain; charset=utf-8');
    if (query.download === '1') res.attachment(`release-${release.id}.log`);
    const render = query.format === 'plain' ? stripAnsi : (text: string) => text;
    // Paged by line number up to the last stored line; a client that leaves ends the loop at its next write.
    for await (const page of this.store.logPages(release.id, query.after, LOG_PAGE_LINES)) {
      if (!(await writeOrClose(res, page.map((l) => `${render(l.text)}\n`).join('')))) return;
    }
    res.end();
  }

  @Post(':id/cancel')
  @Roles('deployer')
  @ApiOperation({ summary: 'Cancel: a queued release at once (200), a running one by stopping ansible (202)' })
  @ApiResponse({ status: 200, description: 'Was queued; now cancelled', schema: componentRef('ReleaseBody') })
  @ApiResponse({ status: 202, description: 'Running; the worker is stopping it and will mark it cancelled', schema: componentRef('ReleaseBody') })
  @ApiErrors(400, 404, { 409: 'Already finished' })
  async cancel(
    @Param('id', idParam) id: number,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    const { release, immediate } = await this.releases.cancel(id, principal.name);
    await this.audit.record(principal.name, 'release.cancel', { type: 'release', id }, {
      template: release.template,
      inventory: release.inventory,
      wasRunning: !immediate,
    });
    response.status(immediate ? 200 : 202);
    return toReleaseView(release, this.catalog);
  }

  @Post(':id/rerun')
  @Roles('deployer')
  @HttpCode(201)
  @ApiOperation({
    summary: "A new release with the same parameters, linked to the original (rerunOf); the original's commit unless the body names another ref or latest",
  })
  @ApiBody({ schema: componentRef('RerunReleaseRequest'), required: false })
  @ApiCreatedResponse({ schema: componentRef('ReleaseBody') })
  @ApiErrors(400, 404)
  async rerun(@Param('id', idParam) id: number, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    // Its audit entry (release.rerun) is written by the launcher, in the release's own transaction.
    const choice = rerunChoiceShape(body);
    if (choice.overrideFreeze !== undefined && !roleAllows(principal.role, 'admin')) {
      throw new ForbiddenException('overrideFreeze: only an admin may launch during a freeze window');
    }
    const result = await this.launcher.rerun(id, tokenActor(principal), choice);
    if (!result.ok) throw refusalException(result.refusal);
    const { release } = result;
    return toReleaseView(release, this.catalog);
  }
}
