import { Body, Controller, Delete, Get, HttpCode, Inject, NotFoundException, Param, Patch, Post, ServiceUnavailableException } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCookieAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import {
  type CreateWebhookRequest,
  type CreatedWebhook,
  type DeletedWebhook,
  type RotateWebhookSecretRequest,
  type UpdateWebhookRequest,
  componentRef,
  createWebhookRequest,
  rotateWebhookSecretRequest,
  updateWebhookRequest,
} from '@slipway/contracts';
import { SecretCipherError, newWebhookSecret, sealWebhookSecret } from '@slipway/releases';
import { AuditService } from '../audit/audit.service.js';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { contract } from '../common/contract-validation.js';
import { idParam } from '../common/id-param.pipe.js';
import { ApiErrors, ApiGuardedErrors } from '../openapi/api-responses.js';
import { WebhookEndpointsStore } from './webhook-endpoints.store.js';

const DEFAULT_OVERLAP_HOURS = 24;

@ApiTags('webhooks')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/webhooks')
@Roles('admin')
export class WebhooksController {
  constructor(
    private readonly endpoints: WebhookEndpointsStore,
    private readonly audit: AuditService,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a webhook endpoint; the response is the only time its signing secret is shown' })
  @ApiBody({ schema: componentRef('CreateWebhookRequest') })
  @ApiCreatedResponse({ schema: componentRef('CreatedWebhookBody') })
  @ApiErrors(400, { 503: 'SLIPWAY_SECRET_KEY is not set: the secret cannot be stored sealed' })
  async create(@Body(contract(createWebhookRequest)) body: CreateWebhookRequest, @CurrentPrincipal() principal: Principal): Promise<CreatedWebhook> {
    const secret = newWebhookSecret();
    const endpoint = await this.endpoints.create({
      url: body.url,
      events: [...new Set(body.events)],
      templates: body.templates ?? null,
      inventories: body.inventories ?? null,
      format: body.format ?? 'standard',
      secretSealed: this.seal(secret),
      createdBy: principal.name,
    });
    await this.audit.record(principal.name, 'webhook.create', { type: 'webhook', id: endpoint.id }, { url: endpoint.url, events: endpoint.events });
    return { ...endpoint, secret };
  }

  @Get()
  @ApiOperation({ summary: 'Every webhook endpoint (never its secrets)' })
  @ApiOkResponse({ schema: componentRef('WebhookList') })
  list() {
    return this.endpoints.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One webhook endpoint' })
  @ApiOkResponse({ schema: componentRef('WebhookBody') })
  @ApiErrors(400, 404)
  async get(@Param('id', idParam) id: number) {
    return (await this.endpoints.findById(id)) ?? notFound(id);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change an endpoint: url, events, template/inventory filters, format, enabled (validated as at creation; last writer wins)',
    description: 'url and format apply to deliveries not yet sent too; events and filters to events from now on. enabled: false holds its deliveries, true sends them.',
  })
  @ApiBody({ schema: componentRef('UpdateWebhookRequest') })
  @ApiOkResponse({ schema: componentRef('WebhookBody') })
  @ApiErrors(400, 404)
  async update(@Param('id', idParam) id: number, @Body(contract(updateWebhookRequest)) body: UpdateWebhookRequest, @CurrentPrincipal() principal: Principal) {
    const changed = await this.endpoints.update(id, body, principal.name);
    if (!changed) notFound(id);
    const { before, after } = changed;
    const fields = (Object.keys(body) as (keyof UpdateWebhookRequest)[]).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
    await this.audit.record(principal.name, 'webhook.update', { type: 'webhook', id }, {
      changed: fields,
      before: Object.fromEntries(fields.map((key) => [key, before[key]])),
      after: Object.fromEntries(fields.map((key) => [key, after[key]])),
    });
    return after;
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Remove an endpoint with its secrets and its deliveries (history too); the ones not yet delivered are never sent' })
  @ApiOkResponse({ schema: componentRef('DeletedWebhookBody') })
  @ApiErrors(400, 404)
  async remove(@Param('id', idParam) id: number, @CurrentPrincipal() principal: Principal): Promise<DeletedWebhook> {
    const deleted = await this.endpoints.delete(id);
    if (!deleted) notFound(id);
    await this.audit.record(principal.name, 'webhook.delete', { type: 'webhook', id }, { url: deleted.endpoint.url, events: deleted.endpoint.events, pendingDropped: deleted.pendingDropped });
    return { id, pendingDropped: deleted.pendingDropped };
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new signing secret, shown once; the old one keeps signing beside it for overlapHours (default 24)' })
  @ApiBody({ schema: componentRef('RotateWebhookSecretRequest'), required: false })
  @ApiOkResponse({ schema: componentRef('CreatedWebhookBody') })
  @ApiErrors(400, 404, { 503: 'SLIPWAY_SECRET_KEY is not set' })
  async rotate(
    @Param('id', idParam) id: number,
    @Body(contract(rotateWebhookSecretRequest)) body: RotateWebhookSecretRequest,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CreatedWebhook> {
    if (!(await this.endpoints.findById(id))) notFound(id);
    const secret = newWebhookSecret();
    const hours = body.overlapHours ?? DEFAULT_OVERLAP_HOURS;
    await this.endpoints.rotateSecret(id, this.seal(secret), new Date(Date.now() + hours * 3_600_000));
    await this.audit.record(principal.name, 'webhook.rotate-secret', { type: 'webhook', id }, { overlapHours: hours });
    return { ...((await this.endpoints.findById(id)) ?? notFound(id)), secret };
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send to an endpoint again after it was disabled (410 Gone); its pending deliveries go out' })
  @ApiOkResponse({ schema: componentRef('WebhookBody') })
  @ApiErrors(400, 404)
  async enable(@Param('id', idParam) id: number) {
    if (!(await this.endpoints.enable(id))) notFound(id);
    return (await this.endpoints.findById(id)) ?? notFound(id);
  }

  @Get(':id/deliveries')
  @ApiOperation({ summary: "The endpoint's newest 100 deliveries, each with its attempts" })
  @ApiOkResponse({ schema: componentRef('WebhookDeliveryList') })
  @ApiErrors(400, 404)
  async deliveries(@Param('id', idParam) id: number) {
    if (!(await this.endpoints.findById(id))) notFound(id);
    return this.endpoints.deliveries(id);
  }

  @Post(':id/deliveries/:deliveryId/redeliver')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a delivery again (delivered, dead or retrying), with the same webhook-id' })
  @ApiOkResponse({ schema: componentRef('WebhookDeliveryBody') })
  @ApiErrors(400, 404)
  async redeliver(@Param('id', idParam) id: number, @Param('deliveryId', idParam) deliveryId: number, @CurrentPrincipal() principal: Principal) {
    if (!(await this.endpoints.redeliver(id, deliveryId))) throw new NotFoundException(`deliveryId: delivery ${deliveryId} of webhook ${id} not found`);
    await this.audit.record(principal.name, 'webhook.redeliver', { type: 'webhook', id }, { deliveryId });
    const [delivery] = await this.endpoints.deliveries(id, deliveryId);
    return delivery;
  }

  private seal(secret: string): string {
    try {
      return sealWebhookSecret(secret, this.config.secretKeys);
    } catch (error) {
      if (error instanceof SecretCipherError) throw new ServiceUnavailableException(`webhook secrets cannot be stored: ${error.message}`);
      throw error;
    }
  }
}

function notFound(id: number): never {
  throw new NotFoundException(`id: webhook ${id} not found`);
}
