import { Body, Controller, Delete, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type DnsReloadRelease, componentRef, dnsReloadReleaseBody } from '@slipway/contracts';
import { DnsStore, type ZoneRow, ZoneReloadReleases } from '@slipway/dns';
import { CurrentPrincipal, Roles } from '../auth/auth.decorators.js';
import type { Principal } from '../auth/principal.js';
import { contract } from '../common/contract-validation.js';
import { badRequest } from '../common/validation.js';
import { ApiErrors, ApiGuardedErrors } from '../openapi/api-responses.js';
import { dnsRefusalError } from './dns-refusal.js';

/**
 * A zone's reload step as a catalog release (admins). Registered beside the release controllers (it checks
 * the setting with the one ReleaseLauncher's rules); the zone's own routes are DnsController's.
 */
@ApiTags('dns')
@ApiBearerAuth()
@ApiCookieAuth('session')
@ApiGuardedErrors()
@Controller('api/v1/dns/zones')
export class DnsReloadReleaseController {
  constructor(
    private readonly store: DnsStore,
    private readonly reloadReleases: ZoneReloadReleases,
  ) {}

  @Put(':zone/reload-release')
  @Roles('admin')
  @ApiOperation({
    summary: "Set the zone's reload step to a catalog release (admins)",
    description:
      "After each render that installs the zone's file, the worker launches this template (through the launcher, as \"dns zone ZONE\") with the fixed vars and dns_zone, dns_zone_file, dns_serial, which the template must declare. The zone is reload-pending until the release ends.",
  })
  @ApiBody({ schema: componentRef('DnsReloadRelease') })
  @ApiOkResponse({ schema: componentRef('DnsZoneBody') })
  @ApiErrors(400, 404)
  async set(@Param('zone') name: string, @Body(contract(dnsReloadReleaseBody)) body: DnsReloadRelease, @CurrentPrincipal() principal: Principal) {
    const zone = await this.store.findZone(name);
    if (!zone) throw dnsRefusalError({ kind: 'not-found', message: `zone: ${name} not found` });
    const problems = this.reloadReleases.problems(zone.name, body);
    if (problems.length > 0) throw badRequest(problems);
    return this.saved(await this.store.setReloadRelease(zone.name, body, principal.name));
  }

  @Delete(':zone/reload-release')
  @Roles('admin')
  @ApiOperation({ summary: "Back to the argv reload step (DNS_RELOAD_COMMAND) for the zone (admins)" })
  @ApiOkResponse({ schema: componentRef('DnsZoneBody') })
  @ApiErrors(404)
  async clear(@Param('zone') name: string, @CurrentPrincipal() principal: Principal) {
    return this.saved(await this.store.setReloadRelease(name, null, principal.name));
  }

  private saved(change: Awaited<ReturnType<DnsStore['setReloadRelease']>>): ZoneRow {
    if (!change.ok) throw dnsRefusalError(change.refusal);
    return change.value;
  }
}
