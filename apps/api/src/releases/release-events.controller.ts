import { Controller, Get, Headers, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { setRetryAfter } from '../auth/retry-later.js';
import { PrincipalWatch } from '../auth/principal-watch.js';
import { idParam } from '../common/id-param.pipe.js';
import { badRequest } from '../common/validation.js';
import { type LogEventsQuery, logEventsQuery } from '@slipway/contracts';
import { contract } from '../common/contract-validation.js';
import { ReleaseEventStream } from './release-event-stream.js';
import { ReleaseEventsHub } from './release-events.hub.js';
import { StreamSlots } from './stream-slots.js';
import { ApiErrors, ApiGuardedErrors, ApiQueryOf, ApiTextResponse } from '../openapi/api-responses.js';

@ApiTags('releases')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/releases')
export class ReleaseEventsController {
  constructor(
    private readonly hub: ReleaseEventsHub,
    private readonly principalWatch: PrincipalWatch,
    private readonly slots: StreamSlots,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {}

  @Get(':id/events')
  @Roles('viewer')
  @ApiQueryOf('LogEventsQuery')
  @ApiTextResponse(200, 'text/event-stream', 'The event stream: log, status, then end; it closes after end')
  @ApiErrors(400, 404, 429)
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this log line (wins over ?after=)' })
  @ApiOperation({
    summary: 'Server-Sent Events: `log` (id = line number, data {seq, text}), `status` on every change, then `end`',
  })
  async events(
    @Param('id', idParam) id: number,
    @Query(contract(logEventsQuery)) query: LogEventsQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    let after = query.after;
    if (lastEventId !== undefined && lastEventId !== '') {
      if (!/^\d{1,10}$/.test(lastEventId.trim())) {
        throw badRequest([{ field: 'Last-Event-ID', message: 'Last-Event-ID: must be a log line number' }]);
      }
      after = Number(lastEventId.trim());
    }
    let freeSlot: () => void;
    try {
      freeSlot = this.slots.take(principal); // 429 past SSE_MAX_STREAMS_PER_TOKEN
    } catch (error) {
      setRetryAfter(response, error);
      throw error;
    }
    const lease = this.hub.lease(id);
    const stream = new ReleaseEventStream(lease.feed, after, response, this.config.eventStreams.clientBufferBytes, (s) => this.hub.register(s));
    const done = () => {
      lease.release();
      freeSlot();
    };
    stream.onClosed = done;
    try {
      // 404 before the stream opens: the feed's first read of the row (shared: 2 000 viewers connecting at
      // once cost one read, not 2 000 queued on the pool).
      await stream.open();
    } catch (error) {
      done();
      throw error;
    }
    this.principalWatch.watch(request, response); // ends the stream once its token or session is revoked
  }
}
