import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import { UnitOfWork } from '@slipway/db';
import type { DnsRecordData, ZoneData } from './record-rules.js';
import { nextSerial } from './serial.js';
import { renderZoneFile } from './zone-file.js';
import { installZoneFile, runReload, zoneFileName } from './zone-install.js';
import type { ReloadReleaseSetting } from './dns-store.js';
import { ZoneReloadReleases } from './zone-reload-release.js';

/** What one render job did (for its log line and tests). */
export type RenderOutcome =
  | { kind: 'rendered'; version: number; serial: number }
  | { kind: 'failed'; version: number; message: string }
  | { kind: 'reload-failed'; version: number; serial: number; message: string }
  | { kind: 'reload-pending'; version: number; serial: number; releaseId: number; joined: boolean }
  | { kind: 'superseded'; version: number }
  | { kind: 'up-to-date'; version: number }
  | { kind: 'busy' }
  | { kind: 'removed' };

/** A render of a zone is leased for this long; a dead worker's lease lapses and another takes over. */
const LEASE_MS = 120_000;

interface Snapshot {
  zone: ZoneData & {
    id: number;
    version: number;
    renderedVersion: number | null;
    serial: number | null;
    dirtyForMs: number | null;
    reloadRelease: ReloadReleaseSetting | null;
    reloadReleaseId: number | null;
  };
  records: DnsRecordData[];
}

/**
 * Renders a zone from what the database holds. A job of version v renders only when v is the zone's
 * newest version, or when the oldest unrendered change has waited DNS_RENDER_MAX_WAIT_MS (so a steady
 * stream of changes still gets served); otherwise the newer version's job will. One render per zone at a
 * time (a lease on the zone row). Each DB step is its own unit of work: no connection is held while the
 * file is checked or the reload step runs, and a connection MariaDB closed overnight is simply replaced.
 */
@Injectable()
export class ZoneRenderer {
  private readonly logger = new Logger('ZoneRenderer');

  constructor(
    private readonly uow: UnitOfWork,
    @Inject(SLIPWAY_CONFIG) private readonly config: SlipwayConfig,
    /** Absent (tests, benches): a zone's reload release setting is not acted on, the argv step runs. */
    @Optional() private readonly reloadReleases?: ZoneReloadReleases,
  ) {}

  async render(zoneId: number, jobVersion: number): Promise<RenderOutcome> {
    const owner = `${this.config.workerId}:${zoneId}:${jobVersion}:${Date.now()}`;
    const lease = await this.uow.run('lease dns zone render', (ds) =>
      ds.query(
        'UPDATE dns_zones SET render_owner = ?, render_lease_until = NOW(3) + INTERVAL ? SECOND WHERE id = ? AND (render_lease_until IS NULL OR render_lease_until < NOW(3))',
        [owner, LEASE_MS / 1000, zoneId],
      ),
    );
    if ((lease as { affectedRows: number }).affectedRows === 0) return (await this.zoneExists(zoneId)) ? { kind: 'busy' } : { kind: 'removed' };
    try {
      const snapshot = await this.read(zoneId);
      if (!snapshot) return { kind: 'removed' };
      const { zone, records } = snapshot;
      if (zone.renderedVersion !== null && zone.renderedVersion >= zone.version) return { kind: 'up-to-date', version: zone.version };
      const waitedLongEnough = zone.dirtyForMs !== null && zone.dirtyForMs >= this.config.dns.renderMaxWaitMs;
      if (zone.version > jobVersion && !waitedLongEnough) return { kind: 'superseded', version: jobVersion };
      return await this.install(zone, records, owner);
    } finally {
      await this.uow.run('release dns zone render', (ds) =>
        ds.query('UPDATE dns_zones SET render_owner = NULL, render_lease_until = NULL WHERE id = ? AND render_owner = ?', [zoneId, owner]),
      );
    }
  }

  private async install(zone: Snapshot['zone'], records: DnsRecordData[], owner: string): Promise<RenderOutcome> {
    const serial = nextSerial(zone.serial, new Date());
    await mkdir(this.config.dns.zonesDir, { recursive: true });
    const installed = await installZoneFile({
      checkzoneBin: this.config.dns.checkzoneBin,
      zonesDir: this.config.dns.zonesDir,
      zone: zone.name,
      text: renderZoneFile(zone, records, serial),
    });
    if (!installed.installed) {
      // The live file is untouched: the zone keeps serving what it served, and says why it is behind.
      await this.finish(zone, owner, { status: 'failed', message: installed.message, serial: null });
      return { kind: 'failed', version: zone.version, message: installed.message };
    }
    if (zone.reloadRelease && this.reloadReleases) return this.launchReload(zone, zone.reloadRelease, owner, serial);
    const reload = await runReload(this.config.dns.reloadArgv, zone.name);
    const message = reload.ok ? null : `installed serial ${serial}, but ${reload.message}`;
    await this.finish(zone, owner, { status: reload.ok ? 'rendered' : 'reload-failed', message, serial });
    if (!reload.ok) return { kind: 'reload-failed', version: zone.version, serial, message: message! };
    return { kind: 'rendered', version: zone.version, serial };
  }

  /**
   * The zone's reload step is a catalog release: the file is installed; the zone is 'reload-pending' on the
   * release (launched, or joined while still queued) and reads 'rendered' or 'reload-failed' as it ends
   * (DnsStore derives it from the release's status). A launch the launcher refuses is 'reload-failed' now.
   */
  private async launchReload(zone: Snapshot['zone'], setting: ReloadReleaseSetting, owner: string, serial: number): Promise<RenderOutcome> {
    const launched = await this.reloadReleases!.launch({ name: zone.name, reloadRelease: setting, reloadReleaseId: zone.reloadReleaseId }, serial);
    if (!launched.ok) {
      const message = `installed serial ${serial}, but the reload release was not launched: ${launched.message}`;
      await this.finish(zone, owner, { status: 'reload-failed', message, serial, releaseId: null });
      return { kind: 'reload-failed', version: zone.version, serial, message };
    }
    const { releaseId, joined } = launched;
    const message = `installed serial ${serial}; reload release ${releaseId} ${joined ? 'still queued: it ships this file too' : 'launched'}`;
    await this.finish(zone, owner, { status: 'reload-pending', message, serial, releaseId });
    return { kind: 'reload-pending', version: zone.version, serial, releaseId, joined };
  }

  /** Records the outcome of rendering `zone.version`; a change made meanwhile stays dirty (its own job renders it). */
  private async finish(zone: Snapshot['zone'], owner: string, outcome: { status: string; message: string | null; serial: number | null; releaseId?: number | null }) {
    // Only a render that used a reload release moves reload_release_id (the argv step leaves it be, unused).
    const releaseId = outcome.releaseId === undefined ? zone.reloadReleaseId : outcome.releaseId;
    await this.uow.run('record dns zone render', (ds) =>
      ds.transaction(async (sql) => {
        if (outcome.serial !== null) {
          await sql.query(
            `UPDATE dns_zones SET render_status = ?, render_message = ?, rendered_version = ?, rendered_at = NOW(3), serial = ?,
               reload_release_id = ?, dirty_since = IF(version = ?, NULL, dirty_since) WHERE id = ? AND render_owner = ?`,
            [outcome.status, outcome.message, zone.version, outcome.serial, releaseId, zone.version, zone.id, owner],
          );
        } else {
          await sql.query('UPDATE dns_zones SET render_status = ?, render_message = ?, failed_version = ? WHERE id = ? AND render_owner = ?', [
            outcome.status,
            outcome.message,
            zone.version,
            zone.id,
            owner,
          ]);
        }
        await sql.query('INSERT INTO dns_renders (zone_id, zone_version, serial, status, message, at, worker, release_id) VALUES (?, ?, ?, ?, ?, NOW(3), ?, ?)', [
          zone.id,
          zone.version,
          outcome.serial,
          outcome.status,
          outcome.message,
          this.config.workerId,
          outcome.releaseId ?? null,
        ]);
      }),
    );
    if (outcome.status !== 'rendered' && outcome.status !== 'reload-pending') this.logger.warn(`zone ${zone.name} version ${zone.version}: ${outcome.status}: ${outcome.message}`);
  }

  /** The zone and its records in one transaction: one consistent version. */
  private read(zoneId: number): Promise<Snapshot | null> {
    return this.uow.run('read dns zone for render', (ds) =>
      ds.transaction('REPEATABLE READ', async (sql) => {
        const rows: Record<string, unknown>[] = await sql.query(
          `SELECT id, name, primary_ns AS primaryNs, hostmaster, version, rendered_version AS renderedVersion, serial,
             reload_release AS reloadRelease, reload_release_id AS reloadReleaseId,
             TIMESTAMPDIFF(MICROSECOND, dirty_since, NOW(3)) DIV 1000 AS dirtyForMs FROM dns_zones WHERE id = ?`,
          [zoneId],
        );
        const raw = rows[0];
        if (!raw) return null;
        const records: DnsRecordData[] = await sql.query('SELECT name, type, ttl, value FROM dns_records WHERE zone_id = ?', [zoneId]);
        const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
        return {
          zone: {
            id: Number(raw.id),
            name: String(raw.name),
            primaryNs: String(raw.primaryNs),
            hostmaster: String(raw.hostmaster),
            version: Number(raw.version),
            renderedVersion: num(raw.renderedVersion),
            serial: num(raw.serial),
            dirtyForMs: num(raw.dirtyForMs),
            reloadRelease: typeof raw.reloadRelease === 'string' ? (JSON.parse(raw.reloadRelease) as ReloadReleaseSetting) : ((raw.reloadRelease ?? null) as ReloadReleaseSetting | null),
            reloadReleaseId: num(raw.reloadReleaseId),
          },
          records,
        };
      }),
    );
  }

  private async zoneExists(zoneId: number): Promise<boolean> {
    const rows: unknown[] = await this.uow.run('find dns zone', (ds) => ds.query('SELECT id FROM dns_zones WHERE id = ?', [zoneId]));
    return rows.length > 0;
  }

  /**
   * Zones left behind: the oldest unrendered change is older than DNS_RENDER_SWEEP_AFTER_MS (its render
   * job never reached Redis, e.g. Redis restarted as the change committed), no render holds the lease, and
   * the newest version was not already refused by the checker. The worker's housekeeping queues their jobs.
   */
  async zonesBehind(): Promise<{ zoneId: number; version: number }[]> {
    const rows: { id: number; version: string }[] = await this.uow.run('find dns zones behind', (ds) =>
      ds.query(
        `SELECT id, version FROM dns_zones WHERE dirty_since < NOW(3) - INTERVAL ? MICROSECOND
           AND (failed_version IS NULL OR failed_version < version) AND (render_lease_until IS NULL OR render_lease_until < NOW(3))`,
        [this.config.dns.renderSweepAfterMs * 1000],
      ),
    );
    return rows.map((r) => ({ zoneId: Number(r.id), version: Number(r.version) }));
  }

  /** A deleted zone: its file leaves the zones directory, and the server is told. */
  async removeZone(name: string): Promise<void> {
    await rm(join(this.config.dns.zonesDir, zoneFileName(name)), { force: true });
    const reload = await runReload(this.config.dns.reloadArgv, name);
    if (!reload.ok) this.logger.warn(`zone ${name} removed, but ${reload.message}`);
  }
}
