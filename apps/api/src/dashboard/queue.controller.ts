import { componentRef } from '@slipway/contracts';
import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators.js';
import { QueueSummaryReader } from './queue-summary.reader.js';
import { ApiOkResponse } from '@nestjs/swagger';
import { ApiGuardedErrors } from '../openapi/api-responses.js';

@ApiTags('queue')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/queue')
export class QueueController {
  constructor(private readonly reader: QueueSummaryReader) {}

  @Get()
  @ApiOkResponse({ schema: componentRef('QueueSummaryBody') })
  @Roles('viewer')
  @ApiOperation({ summary: 'Queue counts (waiting, running, scheduled) and the releases waiting on a lock' })
  summary() {
    return this.reader.read();
  }
}
