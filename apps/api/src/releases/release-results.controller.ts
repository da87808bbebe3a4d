import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type ListAnsibleEventsQuery, componentRef, listAnsibleEventsQuery } from '@slipway/contracts';
import { ReleaseEventStore } from '@slipway/releases';
import { Roles } from '../auth/auth.decorators.js';
import { contract } from '../common/contract-validation.js';
import { idParam, seqParam } from '../common/id-param.pipe.js';
import { ApiErrors, ApiGuardedErrors, ApiQueryOf } from '../openapi/api-responses.js';

const notFound = (id: number) => new NotFoundException(`id: release ${id} not found`);

/**
 * What changed (issue 21): ansible's own events of a release, per host, per task, and one by one. Every
 * string was masked by the worker before it was stored, like the log.
 */
@ApiTags('releases')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/releases')
export class ReleaseResultsController {
  constructor(private readonly events: ReleaseEventStore) {}

  @Get(':id/hosts')
  @Roles('viewer')
  @ApiOperation({ summary: 'Per host: results by status, overall status, first failure; and whether the events are complete' })
  @ApiOkResponse({ schema: componentRef('ReleaseHosts') })
  @ApiErrors(400, 404)
  async hosts(@Param('id', idParam) id: number) {
    return (await this.events.hosts(id)) ?? Promise.reject(notFound(id));
  }

  @Get(':id/tasks')
  @Roles('viewer')
  @ApiOperation({ summary: 'Per task, in the order they ran: results by status and the longest duration' })
  @ApiOkResponse({ schema: componentRef('ReleaseTasks') })
  @ApiErrors(400, 404)
  async tasks(@Param('id', idParam) id: number) {
    return (await this.events.tasks(id)) ?? Promise.reject(notFound(id));
  }

  @Get(':id/ansible-events')
  @Roles('viewer')
  @ApiOperation({ summary: "ansible's events, newest first, filtered by host, task, status or type; page on with ?before=<nextBefore>" })
  @ApiQueryOf('ListAnsibleEventsQuery')
  @ApiOkResponse({ schema: componentRef('AnsibleEventPage') })
  @ApiErrors(400, 404)
  async list(@Param('id', idParam) id: number, @Query(contract(listAnsibleEventsQuery)) query: ListAnsibleEventsQuery) {
    return (await this.events.list(id, query)) ?? Promise.reject(notFound(id));
  }

  @Get(':id/ansible-events/:seq')
  @Roles('viewer')
  @ApiOperation({ summary: 'One event whole: its result (stdout, stderr, msg…) and diff, masked' })
  @ApiOkResponse({ schema: componentRef('AnsibleEventBody') })
  @ApiErrors(400, 404)
  async one(@Param('id', idParam) id: number, @Param('seq', seqParam) seq: number) {
    const event = await this.events.one(id, seq);
    if (!event) throw new NotFoundException(`seq: release ${id} has no event ${seq}`);
    return event;
  }
}
