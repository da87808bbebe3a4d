import { Body, Controller, ForbiddenException, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CatalogHolder, isPlainObject } from '@slipway/ansible';
import { type ListApprovalsQuery, approvalDecisionRequest, componentRef, listApprovalsQuery } from '@slipway/contracts';
import { ReleaseApprovals } from '@slipway/releases';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { roleAllows } from '../auth/roles.js';
import { idParam } from '../common/id-param.pipe.js';
import { contract, parseContract } from '../common/contract-validation.js';
import { badRequest } from '../common/validation.js';
import { ApiErrors, ApiGuardedErrors, ApiQueryOf } from '../openapi/api-responses.js';
import { refusalException } from '../releases/refusal-status.js';
import { toReleaseView } from '../releases/release.view.js';
import { ReleasesService } from '../releases/releases.service.js';

/**
 * Approvals (issue 22 item 2, README "Approvals"): approvers (role approver, or admin) approve or reject
 * a release awaiting approval; the rules and the final run are libs/releases ReleaseApprovals'.
 */
@ApiTags('approvals')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1')
export class ApprovalsController {
  constructor(
    private readonly approvals: ReleaseApprovals,
    private readonly catalogs: CatalogHolder,
    private readonly releases: ReleasesService,
  ) {}

  @Post('releases/:id/approve')
  @Roles('approver')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve a release awaiting approval; the approval that completes the count queues its run (through the freeze check)',
    description: 'The requester may not approve their own release unless its template sets approval.allowSelfApproval; an approver approving twice counts once.',
  })
  @ApiBody({ schema: componentRef('ApprovalDecisionRequest'), required: false })
  @ApiOkResponse({ schema: componentRef('ReleaseBody'), description: 'Recorded: status awaiting-approval (more approvals needed) or queued' })
  @ApiErrors(400, 404, {
    403: 'The requester approving their own release, or overrideFreeze by a non-admin',
    409: 'Not awaiting approval (already decided, cancelled or expired), or a freeze window is in force (`window`; the approval is not recorded)',
  })
  async approve(@Param('id', idParam) id: number, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const request = this.decisionBody(body, principal);
    const result = await this.approvals.approve(id, principal.name, request);
    if (!result.ok) throw refusalException(result.refusal);
    if (result.queued) this.releases.announce(id, { type: 'status', status: 'queued', reason: null });
    return toReleaseView(result.release, this.catalogs.current);
  }

  @Post('releases/:id/reject')
  @Roles('approver')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a release awaiting approval (one rejection is enough); a comment is required' })
  @ApiBody({ schema: componentRef('ApprovalDecisionRequest') })
  @ApiOkResponse({ schema: componentRef('ReleaseBody'), description: 'Rejected' })
  @ApiErrors(400, 404, { 409: 'Not awaiting approval (already decided, cancelled or expired)' })
  async reject(@Param('id', idParam) id: number, @Body() body: unknown, @CurrentPrincipal() principal: Principal) {
    const request = this.decisionBody(body, principal);
    if (request.overrideFreeze !== undefined) throw badRequest([{ field: 'overrideFreeze', message: 'overrideFreeze: only an approval queues a run' }]);
    const result = await this.approvals.reject(id, principal.name, request);
    if (!result.ok) throw refusalException(result.refusal);
    this.releases.announce(id, { type: 'status', status: 'rejected', reason: result.release.reason });
    return toReleaseView(result.release, this.catalogs.current);
  }

  @Get('approvals')
  @Roles('approver')
  @ApiOperation({ summary: 'Releases awaiting approval: by default those the caller may approve now ("waiting for my approval"), oldest first' })
  @ApiQueryOf('ListApprovalsQuery')
  @ApiOkResponse({ schema: componentRef('ApprovalsList') })
  @ApiErrors(400)
  async list(@Query(contract(listApprovalsQuery)) query: ListApprovalsQuery, @CurrentPrincipal() principal: Principal) {
    const entries = await this.approvals.waitingFor(query.waitingFor === 'anyone' ? null : principal.name);
    return { items: entries.map((e) => ({ release: toReleaseView(e.release, this.catalogs.current), mayApprove: e.mayApprove })) };
  }

  /** The body's shape (400 naming the field); only an admin may override a freeze. */
  private decisionBody(body: unknown, principal: Principal) {
    const raw = body ?? {};
    if (!isPlainObject(raw)) throw badRequest([{ field: 'body', message: 'body: must be a JSON object ({"comment": "..."})' }]);
    const request = parseContract(approvalDecisionRequest, raw);
    if (request.overrideFreeze !== undefined && !roleAllows(principal.role, 'admin')) {
      throw new ForbiddenException('overrideFreeze: only an admin may queue a release during a freeze window');
    }
    return request;
  }
}
