import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { WebhookEndpointsStore } from './webhook-endpoints.store.js';
import { WebhooksController } from './webhooks.controller.js';

@Module({ imports: [AuthModule, AuditModule], controllers: [WebhooksController], providers: [WebhookEndpointsStore] })
export class WebhooksModule {}
