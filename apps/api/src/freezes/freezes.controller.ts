import { Body, ConflictException, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCookieAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type CreateFreezeWindowRequest, type FreezeOccurrence, type UpdateFreezeWindowRequest, componentRef, createFreezeWindowRequest, updateFreezeWindowRequest } from '@slipway/contracts';
import {
  DuplicateFreezeWindowError, FreezeStore, type FreezeWindowRecord, type Occurrence, changedFreezeWindow, freezeWindowProblems, occurrenceAt, occurrencesStarting,
} from '@slipway/releases';
import { AuditService } from '../audit/audit.service.js';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { contract } from '../common/contract-validation.js';
import { idParam } from '../common/id-param.pipe.js';
import { badRequest } from '../common/validation.js';
import { ApiErrors, ApiGuardedErrors } from '../openapi/api-responses.js';

const DAY_MS = 24 * 3600_000;

export function toFreezeWindowView(window: FreezeWindowRecord) {
  return {
    id: window.id,
    name: window.name,
    kind: window.cron ? ('recurring' as const) : ('one-off' as const),
    startsAt: window.startsAt,
    endsAt: window.endsAt,
    cron: window.cron,
    durationMinutes: window.durationMinutes,
    timeZone: window.timeZone,
    templates: window.templates,
    inventories: window.inventories,
    createdBy: window.createdBy,
    createdAt: window.createdAt,
  };
}

function toOccurrenceView({ window, startsAt, endsAt }: Occurrence): FreezeOccurrence {
  return { windowId: window.id, window: window.name, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), templates: window.templates, inventories: window.inventories };
}

/** Freeze windows (README "Freeze windows"): admins define them; every launch through the launcher honours them. */
@ApiTags('freezes')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/freezes')
export class FreezesController {
  constructor(
    private readonly freezes: FreezeStore,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Every freeze window' })
  @ApiOkResponse({ schema: componentRef('FreezeWindowList') })
  async list() {
    return (await this.freezes.list()).map(toFreezeWindowView);
  }

  @Get('status')
  @Roles('viewer')
  @ApiOperation({ summary: 'Freezes in force now and those starting within 24 h (the dashboard banner)' })
  @ApiOkResponse({ schema: componentRef('FreezeStatusBody') })
  async status() {
    const now = new Date();
    const windows = await this.freezes.list();
    const active = windows.map((w) => occurrenceAt(w, now)).filter((o): o is Occurrence => o !== null);
    const upcoming = windows.flatMap((w) => occurrencesStarting(w, now, new Date(now.getTime() + DAY_MS))).sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
    return { now: now.toISOString(), active: active.map(toOccurrenceView), upcoming: upcoming.map(toOccurrenceView) };
  }

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({ summary: 'Define a freeze window: one-off (startsAt, endsAt) or recurring (cron, durationMinutes, timeZone)' })
  @ApiBody({ schema: componentRef('CreateFreezeWindowRequest') })
  @ApiCreatedResponse({ schema: componentRef('FreezeWindowBody') })
  @ApiErrors(400, { 409: 'A window with this name exists' })
  async create(@Body(contract(createFreezeWindowRequest)) body: CreateFreezeWindowRequest, @CurrentPrincipal() principal: Principal) {
    const problems = freezeWindowProblems(body);
    if (problems.length > 0) throw badRequest(problems);
    let window: FreezeWindowRecord;
    try {
      window = await this.freezes.create(body, principal.name);
    } catch (error) {
      if (error instanceof DuplicateFreezeWindowError) throw new ConflictException(`name: ${error.message}`);
      throw error;
    }
    const view = toFreezeWindowView(window);
    await this.audit.record(principal.name, 'freeze.create', { type: 'freeze-window', id: window.id }, { ...view, createdAt: undefined });
    return view;
  }

  @Patch(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Change a freeze window: the fields given replace its own (null clears one); the result is checked as a new window is' })
  @ApiBody({ schema: componentRef('UpdateFreezeWindowRequest') })
  @ApiOkResponse({ schema: componentRef('FreezeWindowBody'), description: 'The window as it is now' })
  @ApiErrors(400, 404, { 409: 'Another window has this name' })
  async update(@Param('id', idParam) id: number, @Body(contract(updateFreezeWindowRequest)) body: UpdateFreezeWindowRequest, @CurrentPrincipal() principal: Principal) {
    const before = await this.freezes.findById(id);
    if (!before) throw new NotFoundException(`id: freeze window ${id} not found`);
    const next = changedFreezeWindow(before, body);
    const problems = freezeWindowProblems(next);
    if (problems.length > 0) throw badRequest(problems);
    let window: FreezeWindowRecord | null;
    try {
      window = await this.freezes.update(id, next);
    } catch (error) {
      if (error instanceof DuplicateFreezeWindowError) throw new ConflictException(`name: ${error.message}`);
      throw error;
    }
    if (!window) throw new NotFoundException(`id: freeze window ${id} not found`);
    const view = toFreezeWindowView(window);
    await this.audit.record(principal.name, 'freeze.update', { type: 'freeze-window', id }, { before: { ...toFreezeWindowView(before), createdAt: undefined }, after: { ...view, createdAt: undefined } });
    return view;
  }

  @Delete(':id')
  @Roles('admin')
  @ApiOperation({ summary: 'Delete a freeze window: launches it refused are allowed again at once' })
  @ApiOkResponse({ schema: componentRef('FreezeWindowBody'), description: 'The window deleted' })
  @ApiErrors(400, 404)
  async delete(@Param('id', idParam) id: number, @CurrentPrincipal() principal: Principal) {
    const window = await this.freezes.findById(id);
    if (!window || !(await this.freezes.delete(id))) throw new NotFoundException(`id: freeze window ${id} not found`);
    await this.audit.record(principal.name, 'freeze.delete', { type: 'freeze-window', id }, { name: window.name });
    return toFreezeWindowView(window);
  }
}
