import { Module } from '@nestjs/common';
import { DnsStore } from '@slipway/dns';
import { AuditModule } from '../audit/audit.module.js';
import { JobKindQueuesModule } from '../queue/job-kind-queues.js';
import { DnsController } from './dns.controller.js';
import { DnsRenderQueue } from './dns-render-queue.js';

@Module({ imports: [AuditModule, JobKindQueuesModule], controllers: [DnsController], providers: [DnsStore, DnsRenderQueue], exports: [DnsStore] })
export class DnsModule {}
