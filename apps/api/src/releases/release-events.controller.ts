import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ReleaseStore } from '@slipway/releases';
import { Roles } from '../auth/auth.decorators.js';
import { PrincipalWatch } from '../auth/principal-watch.js';
import { idParam } from '../common/id-param.pipe.js';
import { badRequest } from '../common/validation.js';
import { LogQuery } from './list-releases.query.js';
import { ReleaseEventStream } from './release-event-stream.js';
import { ReleaseEventsHub } from './release-events.hub.js';
import { ReleasesService } from './releases.service.js';
import { ApiErrors, ApiGuardedErrors, ApiTextResponse } from '../openapi/api-responses.js';

@ApiTags('releases')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/releases')
export class ReleaseEventsController {
  constructor(
    private readonly releases: ReleasesService,
    private readonly store: ReleaseStore,
    private readonly hub: ReleaseEventsHub,
    private readonly principalWatch: PrincipalWatch,
  ) {}

  @Get(':id/events')
  @Roles('viewer')
  @ApiTextResponse(200, 'text/event-stream', 'The event stream: log, status, then end; it closes after end')
  @ApiErrors(400, 404)
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this log line (wins over ?after=)' })
  @ApiOperation({
    summary: 'Server-Sent Events: `log` (id = line number, data {seq, text}), `status` on every change, then `end`',
  })
  async events(
    @Param('id', idParam) id: number,
    @Query() query: LogQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    let after = query.after;
    if (lastEventId !== undefined && lastEventId !== '') {
      if (!/^\d{1,10}$/.test(lastEventId.trim())) {
        throw badRequest([{ field: 'Last-Event-ID', message: 'Last-Event-ID: must be a log line number' }]);
      }
      after = Number(lastEventId.trim());
    }
    await this.releases.get(id); // 404 before the stream opens
    await new ReleaseEventStream(id, after, response, this.store, this.hub).open();
    this.principalWatch.watch(request, response); // ends the stream once its token or session is revoked
  }
}
