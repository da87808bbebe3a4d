import { Body, ConflictException, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCookieAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  type CreateScheduleRequest, DEFAULT_MISSED_GRACE_SECONDS, type FieldError, type PauseScheduleRequest, type SchedulePreviewRequest,
  componentRef, createScheduleRequest, pauseScheduleRequest, schedulePreviewRequest,
} from '@slipway/contracts';
import { DuplicateScheduleError, ReleaseLauncher, type ScheduleRecord, ScheduleStore, type TickRecord, cronProblem, nextTicks } from '@slipway/releases';
import { AuditService } from '../audit/audit.service.js';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { contract } from '../common/contract-validation.js';
import { idParam } from '../common/id-param.pipe.js';
import { badRequest } from '../common/validation.js';
import { ApiErrors, ApiGuardedErrors } from '../openapi/api-responses.js';

const PREVIEW_RUNS = 5;

function toTickView(tick: TickRecord) {
  return { tickAt: tick.tickAt, outcome: tick.outcome, releaseId: tick.releaseId, detail: tick.detail, recordedAt: tick.recordedAt };
}

function toScheduleView(schedule: ScheduleRecord, lastTick: TickRecord | undefined, now = new Date()) {
  return {
    id: schedule.id,
    name: schedule.name,
    template: schedule.template,
    inventory: schedule.inventory,
    extraVars: schedule.extraVars,
    cron: schedule.cron,
    timeZone: schedule.timeZone,
    state: schedule.state,
    pausedReason: schedule.pausedReason,
    missedGraceSeconds: Math.round(schedule.graceMs / 1000),
    nextRuns: schedule.state === 'active' ? nextTicks(schedule.cron, schedule.timeZone, now > schedule.cursorAt ? now : schedule.cursorAt, PREVIEW_RUNS) : [],
    lastTick: lastTick ? toTickView(lastTick) : null,
    createdBy: schedule.createdBy,
    createdAt: schedule.createdAt,
    updatedAt: schedule.updatedAt,
  };
}

/** Schedules (README "Schedules"): the ticker on the workers launches their ticks through the ReleaseLauncher. */
@ApiTags('schedules')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/schedules')
export class SchedulesController {
  constructor(
    private readonly schedules: ScheduleStore,
    private readonly launcher: ReleaseLauncher,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Every schedule, with its last tick and next runs' })
  @ApiOkResponse({ schema: componentRef('ScheduleList') })
  async list() {
    const [all, last] = await Promise.all([this.schedules.list(), this.schedules.lastTicks()]);
    return all.map((s) => toScheduleView(s, last.get(s.id)));
  }

  @Post('preview')
  @Roles('viewer')
  @HttpCode(200)
  @ApiOperation({ summary: 'The next runs of a cron expression in a time zone (nothing is saved)' })
  @ApiBody({ schema: componentRef('SchedulePreviewRequest') })
  @ApiOkResponse({ schema: componentRef('SchedulePreviewBody') })
  @ApiErrors(400)
  preview(@Body(contract(schedulePreviewRequest)) body: SchedulePreviewRequest) {
    const problem = cronProblem(body.cron, body.timeZone);
    if (problem) throw badRequest([problem]);
    return { cron: body.cron, timeZone: body.timeZone, nextRuns: nextTicks(body.cron, body.timeZone, new Date(), body.count ?? PREVIEW_RUNS) };
  }

  @Get(':id')
  @Roles('viewer')
  @ApiOperation({ summary: 'A schedule with its latest ticks (the releases it made, skipped, missed and invalid ticks)' })
  @ApiOkResponse({ schema: componentRef('ScheduleDetailBody') })
  @ApiErrors(400, 404)
  async show(@Param('id', idParam) id: number) {
    const schedule = await this.found(id);
    const ticks = await this.schedules.ticks(id);
    return { ...toScheduleView(schedule, ticks[0]), ticks: ticks.map(toTickView) };
  }

  @Post()
  @Roles('deployer')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a schedule; its template, inventory and vars are checked as a launch would be' })
  @ApiBody({ schema: componentRef('CreateScheduleRequest') })
  @ApiCreatedResponse({ schema: componentRef('ScheduleBody') })
  @ApiErrors(400, { 409: 'A schedule with this name exists' })
  async create(@Body(contract(createScheduleRequest)) body: CreateScheduleRequest, @CurrentPrincipal() principal: Principal) {
    const problems: FieldError[] = [];
    const cron = cronProblem(body.cron, body.timeZone);
    if (cron) problems.push(cron);
    const extraVars = body.extraVars ?? {};
    const secrets = this.launcher.secretVarsOf(body.template).filter((name) => Object.hasOwn(extraVars, name));
    for (const name of secrets) {
      problems.push({ field: `extraVars.${name}`, message: `extraVars.${name}: a secret var cannot be stored in a schedule (it would be kept in clear); leave it to the template's default` });
    }
    problems.push(...this.launcher.problems({ template: body.template, ...(body.inventory !== undefined ? { inventory: body.inventory } : {}), extraVars }));
    if (problems.length > 0) throw badRequest(problems);
    const inventory = body.inventory ?? this.launcher.defaultInventoryOf(body.template);
    let schedule: ScheduleRecord;
    try {
      schedule = await this.schedules.create({
        name: body.name, template: body.template, inventory, extraVars, cron: body.cron, timeZone: body.timeZone,
        state: body.paused ? 'paused' : 'active', pausedReason: body.paused ? `created paused by ${principal.name}` : null,
        graceMs: (body.missedGraceSeconds ?? DEFAULT_MISSED_GRACE_SECONDS) * 1000,
        // No ticks before it existed.
        cursorAt: new Date(), createdBy: principal.name,
      });
    } catch (error) {
      if (error instanceof DuplicateScheduleError) throw new ConflictException(`name: ${error.message}`);
      throw error;
    }
    await this.audit.record(principal.name, 'schedule.create', { type: 'schedule', id: schedule.id }, {
      name: schedule.name, template: schedule.template, inventory: schedule.inventory, cron: schedule.cron, timeZone: schedule.timeZone, state: schedule.state,
    });
    return toScheduleView(schedule, undefined);
  }

  @Post(':id/pause')
  @Roles('deployer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause a schedule: no tick launches until it is resumed' })
  @ApiBody({ schema: componentRef('PauseScheduleRequest'), required: false })
  @ApiOkResponse({ schema: componentRef('ScheduleBody') })
  @ApiErrors(400, 404, { 409: 'Already paused' })
  async pause(@Param('id', idParam) id: number, @Body(contract(pauseScheduleRequest)) body: PauseScheduleRequest, @CurrentPrincipal() principal: Principal) {
    await this.found(id);
    const reason = `paused by ${principal.name}${body?.reason ? `: ${body.reason}` : ''}`;
    if (!(await this.schedules.pause(id, reason))) throw new ConflictException(`id: schedule ${id} is already paused`);
    await this.audit.record(principal.name, 'schedule.pause', { type: 'schedule', id }, { reason });
    return this.view(id);
  }

  @Post(':id/resume')
  @Roles('deployer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a paused schedule (its vars are checked again first); ticks while paused are not made up for' })
  @ApiOkResponse({ schema: componentRef('ScheduleBody') })
  @ApiErrors(400, 404, { 409: 'Not paused' })
  async resume(@Param('id', idParam) id: number, @CurrentPrincipal() principal: Principal) {
    const schedule = await this.found(id);
    const problems = this.launcher.problems({ template: schedule.template, inventory: schedule.inventory, extraVars: schedule.extraVars });
    if (problems.length > 0) throw badRequest(problems);
    if (!(await this.schedules.resume(id, new Date()))) throw new ConflictException(`id: schedule ${id} is not paused`);
    await this.audit.record(principal.name, 'schedule.resume', { type: 'schedule', id }, {});
    return this.view(id);
  }

  @Delete(':id')
  @Roles('deployer')
  @ApiOperation({ summary: 'Delete a schedule and its tick history (the releases it made stay)' })
  @ApiOkResponse({ schema: componentRef('ScheduleBody'), description: 'The schedule deleted' })
  @ApiErrors(400, 404)
  async delete(@Param('id', idParam) id: number, @CurrentPrincipal() principal: Principal) {
    const view = await this.view(id);
    if (!(await this.schedules.delete(id))) throw new NotFoundException(`id: schedule ${id} not found`);
    await this.audit.record(principal.name, 'schedule.delete', { type: 'schedule', id }, { name: view.name });
    return view;
  }

  private async found(id: number): Promise<ScheduleRecord> {
    const schedule = await this.schedules.findById(id);
    if (!schedule) throw new NotFoundException(`id: schedule ${id} not found`);
    return schedule;
  }

  private async view(id: number) {
    const schedule = await this.found(id);
    const [last] = await this.schedules.ticks(id, 1);
    return toScheduleView(schedule, last);
  }
}
