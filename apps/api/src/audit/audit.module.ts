import { Module } from '@nestjs/common';
import { AuditWriter } from '@slipway/db';
import { AuditController } from './audit.controller.js';
import { AuditService } from './audit.service.js';

/** One writer instance: AuditWriter (what the release launcher asks for) is the API's AuditService. */
@Module({
  controllers: [AuditController],
  providers: [AuditService, { provide: AuditWriter, useExisting: AuditService }],
  exports: [AuditService, AuditWriter],
})
export class AuditModule {}
