import { Inject, Injectable } from '@nestjs/common';
import { CatalogHolder } from '@slipway/ansible';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { UnitOfWork } from '@slipway/db';
import { ReleaseLauncher } from '@slipway/releases';
import { join } from 'node:path';
import type { ReloadReleaseSetting } from './dns-store.js';
import type { FieldProblem } from './record-rules.js';
import { zoneFileName } from './zone-install.js';

/**
 * The vars every reload release gets from the render that launched it, which its template must declare:
 * the zone's name, the absolute path of the installed zone file (in DNS_ZONES_DIR on the worker) and the
 * SOA serial that render installed (the file may be newer by the time the release runs: see launch()).
 */
export const RELOAD_RELEASE_VARS = ['dns_zone', 'dns_zone_file', 'dns_serial'] as const;

export type ReloadLaunch = { ok: true; releaseId: number; joined: boolean } | { ok: false; message: string };

/**
 * A zone's reload step as a catalog release ("a release that ships the zone with ansible"): checked when
 * the setting is saved, by the launcher's own rules, and launched after each render that installed the
 * zone's file, always through the one ReleaseLauncher (never over HTTP), as actor "dns zone <zone>".
 */
@Injectable()
export class ZoneReloadReleases {
  constructor(
    private readonly launcher: ReleaseLauncher,
    private readonly catalogs: CatalogHolder,
    private readonly uow: UnitOfWork,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
  ) {}

  /** The path the zone's file is installed at, as the release receives it in dns_zone_file. */
  zoneFilePath(zone: string): string {
    return join(this.config.dns.zonesDir, zoneFileName(zone));
  }

  /**
   * Every problem with a setting, as a 400 names them (fields template, inventory, vars.NAME): the template
   * must exist and declare dns_zone, dns_zone_file and dns_serial (not as secrets); fixed vars may not set
   * those three nor a secret var (the setting is stored in clear); and the whole launch request, with the
   * values a render would pass, must pass the launcher's checks (inventory, types, bounds, patterns, required).
   */
  problems(zone: string, setting: ReloadReleaseSetting): FieldProblem[] {
    const template = this.catalogs.current.templates[setting.template];
    const problems: FieldProblem[] = [];
    const vars = setting.vars ?? {};
    for (const name of Object.keys(vars)) {
      if ((RELOAD_RELEASE_VARS as readonly string[]).includes(name)) {
        problems.push({ field: `vars.${name}`, message: `vars.${name}: is set by each render (the zone's name, file and serial); it cannot be a fixed var` });
      } else if (template?.secretVars.includes(name)) {
        problems.push({ field: `vars.${name}`, message: `vars.${name}: is a secret var of ${template.name}; a zone's setting is stored in clear, so give it a { env } default in the catalog instead` });
      }
    }
    if (template) {
      const missing = RELOAD_RELEASE_VARS.filter((name) => !Object.hasOwn(template.vars, name));
      if (missing.length > 0) {
        problems.push({ field: 'template', message: `template: ${template.name} must declare the vars a DNS reload release is given (${RELOAD_RELEASE_VARS.join(', ')}); it does not declare ${missing.join(', ')}` });
      }
      const secret = RELOAD_RELEASE_VARS.filter((name) => template.secretVars.includes(name));
      if (secret.length > 0) problems.push({ field: 'template', message: `template: ${template.name} declares ${secret.join(', ')} as secret; they are not secrets` });
    }
    const fixed = Object.fromEntries(Object.entries(vars).filter(([name]) => !problems.some((p) => p.field === `vars.${name}`)));
    const reserved = new Set<string>(RELOAD_RELEASE_VARS.map((name) => `vars.${name}`));
    for (const p of this.launcher.problems(this.request(zone, setting, fixed, this.zoneFilePath(zone), 2026010101))) {
      const field = p.field.replace(/^extraVars\./, 'vars.');
      const message = p.message.replace(/^extraVars\./, 'vars.');
      // A render's own values are right by construction: a template whose rules refuse them is the template's problem.
      if (!reserved.has(field)) problems.push({ field, message });
      else if (!problems.some((q) => q.field === 'template')) problems.push({ field: 'template', message: `template: ${setting.template} would refuse a render's ${message}` });
    }
    return problems;
  }

  /**
   * Launches the zone's reload release for the file a render installed, coalesced per zone: when the
   * release the zone's previous render launched is still queued (it has not started, so it will copy the
   * file as it is when it runs: this render's, or a newer one), this render joins it instead of
   * launching another. So a zone has at most one reload release queued and one running, however many
   * renders a burst makes; and the template's lock key keeps two reload releases of one inventory apart.
   */
  async launch(zone: { name: string; reloadRelease: ReloadReleaseSetting; reloadReleaseId: number | null }, serial: number): Promise<ReloadLaunch> {
    const setting = zone.reloadRelease;
    if (zone.reloadReleaseId !== null) {
      const rows: { status: string; template: string; inventory: string }[] = await this.uow.run('read dns reload release', (ds) =>
        ds.query('SELECT status, template, inventory FROM releases WHERE id = ?', [zone.reloadReleaseId]),
      );
      const previous = rows[0];
      const inventory = setting.inventory ?? this.launcher.defaultInventoryOf(setting.template);
      if (previous?.status === 'queued' && previous.template === setting.template && previous.inventory === inventory) {
        return { ok: true, releaseId: zone.reloadReleaseId, joined: true };
      }
    }
    const launched = await this.launcher.launch(this.request(zone.name, setting, setting.vars ?? {}, this.zoneFilePath(zone.name), serial), { kind: 'dns-zone', zone: zone.name });
    if (!launched.ok) return { ok: false, message: launched.refusal.message };
    return { ok: true, releaseId: launched.release.id, joined: false };
  }

  private request(zone: string, setting: ReloadReleaseSetting, vars: Record<string, unknown>, file: string, serial: number) {
    return {
      template: setting.template,
      ...(setting.inventory !== undefined ? { inventory: setting.inventory } : {}),
      extraVars: { ...vars, dns_zone: zone, dns_zone_file: file, dns_serial: serial },
    };
  }
}
