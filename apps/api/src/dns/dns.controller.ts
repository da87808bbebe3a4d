import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, NotFoundException, Param, Post, Put, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCookieAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import {
  type CreateDnsRecordRequest,
  type CreateDnsZoneRequest,
  type ImportDnsZoneRequest,
  importDnsZoneRequest,
  type UpdateDnsRecordRequest,
  componentRef,
  createDnsRecordRequest,
  createDnsZoneRequest,
  updateDnsRecordRequest,
} from '@slipway/contracts';
import { DnsStore, type RecordRow, type ZoneRow, nextSerial, parseZoneFile, renderZoneFile } from '@slipway/dns';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { badRequest } from '../common/validation.js';
import type { Response } from 'express';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { contract } from '../common/contract-validation.js';
import { idParam } from '../common/id-param.pipe.js';
import { ApiErrors, ApiGuardedErrors, ApiTextResponse } from '../openapi/api-responses.js';
import { DnsRenderQueue } from './dns-render-queue.js';
import { dnsRefusalError, etagOf, ifMatchVersion } from './dns-refusal.js';

const zoneView = (z: ZoneRow) => ({ ...z });
const recordView = (r: RecordRow) => ({ id: r.id, name: r.name, type: r.type, ttl: r.ttl, value: r.value, version: r.version, updatedAt: r.updatedAt, updatedBy: r.updatedBy });
const IF_MATCH = { name: 'If-Match', required: true, description: 'The ETag of the record as read (its version); 412 if it changed since, 428 if missing' };

/**
 * The DNS records service (issue 24): viewers read, deployers change records, admins create and delete
 * zones. Every rule is libs/dns's (DnsStore); each change queues its zone's render.
 */
@ApiTags('dns')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/dns/zones')
export class DnsController {
  constructor(
    private readonly store: DnsStore,
    private readonly renders: DnsRenderQueue,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {}

  @Get()
  @Roles('viewer')
  @ApiOperation({ summary: 'Every zone, with where its rendering stands' })
  @ApiOkResponse({ schema: componentRef('DnsZoneList') })
  async listZones() {
    return (await this.store.listZones()).map(zoneView);
  }

  @Post()
  @Roles('admin')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a zone (admins)' })
  @ApiBody({ schema: componentRef('CreateDnsZoneRequest') })
  @ApiCreatedResponse({ schema: componentRef('DnsZoneBody') })
  @ApiErrors(400, { 409: 'A zone with this name exists' })
  async createZone(@Body(contract(createDnsZoneRequest)) body: CreateDnsZoneRequest, @CurrentPrincipal() principal: Principal) {
    const change = await this.store.createZone(body, principal.name);
    if (!change.ok) throw dnsRefusalError(change.refusal);
    await this.renders.changed(change.zoneId, change.zoneVersion);
    return zoneView(change.value);
  }

  @Get(':zone')
  @Roles('viewer')
  @ApiOperation({ summary: 'One zone' })
  @ApiOkResponse({ schema: componentRef('DnsZoneBody') })
  @ApiErrors(404)
  async zone(@Param('zone') name: string) {
    return zoneView(await this.zoneNamed(name));
  }

  @Delete(':zone')
  @Roles('admin')
  @ApiOperation({ summary: 'Delete a zone and its records (admins); its file leaves the zones directory' })
  @ApiOkResponse({ schema: componentRef('DnsZoneBody'), description: 'The zone as it was' })
  @ApiErrors(404)
  async deleteZone(@Param('zone') name: string, @CurrentPrincipal() principal: Principal) {
    const change = await this.store.deleteZone(name, principal.name);
    if (!change.ok) throw dnsRefusalError(change.refusal);
    await this.renders.changed(change.zoneId, change.zoneVersion, change.value.name);
    return zoneView(change.value);
  }

  @Get(':zone/renders')
  @Roles('viewer')
  @ApiOperation({ summary: "The zone's last renders (serial, when, outcome) and who changed what since the last one" })
  @ApiOkResponse({ schema: componentRef('DnsRenderHistoryBody') })
  @ApiErrors(404)
  async renderHistory(@Param('zone') name: string) {
    return this.store.history(await this.zoneNamed(name));
  }

  @Get(':zone/file')
  @Roles('viewer')
  @ApiOperation({ summary: 'Export: the zone as a BIND master file, from what the database holds now' })
  @ApiTextResponse(200, 'text/dns', 'The zone file (RFC 1035 master file format)')
  @ApiErrors(404)
  async file(@Param('zone') name: string, @Res() response: Response) {
    const zone = await this.zoneNamed(name);
    const records = await this.store.listRecords(zone.id);
    // The served serial when the file is up to date; otherwise the one the next render will take.
    const serial = zone.serial !== null && zone.renderedVersion === zone.version ? zone.serial : nextSerial(zone.serial, new Date());
    response.status(200).type('text/dns; charset=utf-8').setHeader('content-disposition', `attachment; filename="${zone.name}.zone"`);
    response.send(renderZoneFile(zone, records, serial));
  }

  @Post(':zone/import')
  @Roles('deployer')
  @HttpCode(200)
  @ApiOperation({ summary: "Import a zone file (deployers): the zone's records become the file's, all or nothing" })
  @ApiBody({ schema: componentRef('ImportDnsZoneRequest') })
  @ApiOkResponse({ schema: componentRef('ImportDnsZoneBody') })
  @ApiErrors(400, 404)
  async importFile(@Param('zone') name: string, @Body(contract(importDnsZoneRequest)) body: ImportDnsZoneRequest, @CurrentPrincipal() principal: Principal) {
    const zone = await this.zoneNamed(name);
    const parsed = await parseZoneFile(this.config.dns.checkzoneBin, zone.name, zone.primaryNs, body.zoneFile);
    if (!parsed.ok) throw badRequest([{ field: 'zoneFile', message: `zoneFile: ${parsed.message}` }]);
    const change = await this.store.replaceRecords(zone.name, parsed.records, principal.name);
    if (!change.ok) throw dnsRefusalError(change.refusal);
    await this.renders.changed(change.zoneId, change.zoneVersion);
    return { records: change.value.records, skipped: parsed.skipped };
  }

  @Get(':zone/records')
  @Roles('viewer')
  @ApiOperation({ summary: "A zone's records" })
  @ApiOkResponse({ schema: componentRef('DnsRecordList') })
  @ApiErrors(404)
  async listRecords(@Param('zone') name: string) {
    const zone = await this.zoneNamed(name);
    return (await this.store.listRecords(zone.id)).map(recordView);
  }

  @Post(':zone/records')
  @Roles('deployer')
  @HttpCode(201)
  @ApiOperation({ summary: 'Add a record (deployers); its zone is rendered shortly after' })
  @ApiBody({ schema: componentRef('CreateDnsRecordRequest') })
  @ApiCreatedResponse({ schema: componentRef('DnsRecordBody') })
  @ApiErrors(400, 404)
  async createRecord(
    @Param('zone') name: string,
    @Body(contract(createDnsRecordRequest)) body: CreateDnsRecordRequest,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    const change = await this.store.createRecord(name, body, principal.name);
    if (!change.ok) throw dnsRefusalError(change.refusal);
    await this.renders.changed(change.zoneId, change.zoneVersion);
    response.setHeader('ETag', etagOf(change.value.version));
    return recordView(change.value);
  }

  @Get(':zone/records/:id')
  @Roles('viewer')
  @ApiOperation({ summary: 'One record; its ETag is what If-Match takes' })
  @ApiOkResponse({ schema: componentRef('DnsRecordBody') })
  @ApiErrors(400, 404)
  async record(@Param('zone') name: string, @Param('id', idParam) id: number, @Res({ passthrough: true }) response: Response) {
    const zone = await this.zoneNamed(name);
    const record = await this.store.findRecord(zone.id, id);
    if (!record) throw new NotFoundException(`id: record ${id} not found in ${zone.name}`);
    response.setHeader('ETag', etagOf(record.version));
    return recordView(record);
  }

  @Put(':zone/records/:id')
  @Roles('deployer')
  @ApiOperation({ summary: 'Change a record (deployers) if nobody changed it since it was read (If-Match)' })
  @ApiHeader(IF_MATCH)
  @ApiBody({ schema: componentRef('UpdateDnsRecordRequest') })
  @ApiOkResponse({ schema: componentRef('DnsRecordBody') })
  @ApiResponse({ status: 412, description: 'The record changed since it was read', schema: componentRef('ErrorBody') })
  @ApiResponse({ status: 428, description: 'If-Match is missing', schema: componentRef('ErrorBody') })
  @ApiErrors(400, 404)
  async updateRecord(
    @Param('zone') name: string,
    @Param('id', idParam) id: number,
    @Headers('if-match') ifMatch: string | undefined,
    @Body(contract(updateDnsRecordRequest)) body: UpdateDnsRecordRequest,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    const change = await this.store.updateRecord(name, id, ifMatchVersion(ifMatch), body, principal.name);
    if (!change.ok) throw dnsRefusalError(change.refusal);
    await this.renders.changed(change.zoneId, change.zoneVersion);
    response.setHeader('ETag', etagOf(change.value.version));
    return recordView(change.value);
  }

  @Delete(':zone/records/:id')
  @Roles('deployer')
  @ApiOperation({ summary: 'Delete a record (deployers) if nobody changed it since it was read (If-Match)' })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ schema: componentRef('DnsRecordBody'), description: 'The record as it was' })
  @ApiResponse({ status: 412, description: 'The record changed since it was read', schema: componentRef('ErrorBody') })
  @ApiResponse({ status: 428, description: 'If-Match is missing', schema: componentRef('ErrorBody') })
  @ApiErrors(400, 404)
  async deleteRecord(@Param('zone') name: string, @Param('id', idParam) id: number, @Headers('if-match') ifMatch: string | undefined, @CurrentPrincipal() principal: Principal) {
    const change = await this.store.deleteRecord(name, id, ifMatchVersion(ifMatch), principal.name);
    if (!change.ok) throw dnsRefusalError(change.refusal);
    await this.renders.changed(change.zoneId, change.zoneVersion);
    return recordView(change.value);
  }

  private async zoneNamed(name: string): Promise<ZoneRow> {
    const zone = await this.store.findZone(name);
    if (!zone) throw new NotFoundException(`zone: ${name} not found`);
    return zone;
  }
}
