import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuditWriter, UnitOfWork } from '@slipway/db';
import type { EntityManager } from 'typeorm';
import { checkAgainstZone, checkRecord, checkZone, type DnsRecordData, type FieldProblem, type RecordInput, type ZoneInput } from './record-rules.js';
import type { RecordType } from './record-types.js';

export interface ZoneRow {
  id: number;
  name: string;
  primaryNs: string;
  hostmaster: string;
  version: number;
  createdAt: Date;
  createdBy: string;
  renderStatus: 'pending' | 'rendered' | 'failed' | 'reload-pending' | 'reload-failed';
  renderMessage: string | null;
  renderedVersion: number | null;
  renderedAt: Date | null;
  serial: number | null;
  /** The reload step as a catalog release (null: the argv step, DNS_RELOAD_COMMAND). */
  reloadRelease: ReloadReleaseSetting | null;
  reloadReleaseId: number | null;
}

/** A zone's reload release setting, as saved (checked by ZoneReloadReleases.problems first). */
export interface ReloadReleaseSetting {
  template: string;
  inventory?: string;
  vars?: Record<string, unknown>;
}

export interface RecordRow extends DnsRecordData {
  id: number;
  zoneId: number;
  version: number;
  updatedAt: Date;
  updatedBy: string;
}

/** Why a change was not made: each maps to one HTTP status in the API's adapter. */
export type DnsRefusal =
  | { kind: 'invalid'; problems: FieldProblem[] }
  | { kind: 'not-found'; message: string }
  | { kind: 'exists'; message: string }
  | { kind: 'version-mismatch'; message: string; current: number };

export type DnsChange<T> = { ok: true; value: T; zoneId: number; zoneVersion: number } | { ok: false; refusal: DnsRefusal };

type Sql = Pick<EntityManager, 'query'>;

/**
 * A reload release's outcome, read where the status is read: a zone (or a render) waiting on its release
 * ('reload-pending') is 'rendered' once the release succeeded and 'reload-failed' (with the release's id,
 * status and reason) once it failed, was cancelled or interrupted (or is no longer stored). One expression, so the API never shows
 * a status the release contradicts, and nothing has to watch releases end.
 */
const derivedStatus = (status: string, message: string, serial: string, as: { status: string; message: string }) => `
  CASE WHEN ${status} <> 'reload-pending' OR r.status IN ('queued', 'running') THEN ${status}
       WHEN r.status = 'succeeded' THEN 'rendered' ELSE 'reload-failed' END AS ${as.status},
  CASE WHEN ${status} <> 'reload-pending' OR r.status IN ('queued', 'running') THEN ${message}
       WHEN r.status = 'succeeded' THEN NULL
       WHEN r.id IS NULL THEN CONCAT(${message}, '; that release is no longer stored, so whether it shipped the file is unknown')
       ELSE CONCAT('installed serial ', ${serial}, ', but reload release ', r.id, ' ', r.status, COALESCE(CONCAT(': ', r.reason), '')) END AS ${as.message}`;

const ZONE_COLUMNS = `z.id, z.name, z.primary_ns AS primaryNs, z.hostmaster, z.version, z.created_at AS createdAt, z.created_by AS createdBy,
  ${derivedStatus('z.render_status', 'z.render_message', 'z.serial', { status: 'renderStatus', message: 'renderMessage' })}, z.rendered_version AS renderedVersion,
  z.rendered_at AS renderedAt, z.serial, z.reload_release AS reloadRelease, z.reload_release_id AS reloadReleaseId`;
const ZONES = 'dns_zones z LEFT JOIN releases r ON r.id = z.reload_release_id';
/** The zone row as a change locks it (no join: a change must not lock a release row). */
const LOCKED_ZONE_COLUMNS = `id, name, primary_ns AS primaryNs, hostmaster, version, created_at AS createdAt, created_by AS createdBy,
  render_status AS renderStatus, render_message AS renderMessage, rendered_version AS renderedVersion,
  rendered_at AS renderedAt, serial, reload_release AS reloadRelease, reload_release_id AS reloadReleaseId`;
const RECORD_COLUMNS = 'id, zone_id AS zoneId, name, type, ttl, value, version, updated_at AS updatedAt, updated_by AS updatedBy';

/** BIGINT columns arrive as strings from mysql2; these are far below 2^53. */
function zoneRow(raw: Record<string, unknown>): ZoneRow {
  return {
    ...(raw as unknown as ZoneRow),
    version: Number(raw.version),
    renderedVersion: raw.renderedVersion === null ? null : Number(raw.renderedVersion),
    serial: raw.serial === null ? null : Number(raw.serial),
    reloadRelease: typeof raw.reloadRelease === 'string' ? (JSON.parse(raw.reloadRelease) as ReloadReleaseSetting) : ((raw.reloadRelease ?? null) as ReloadReleaseSetting | null),
    reloadReleaseId: raw.reloadReleaseId === null || raw.reloadReleaseId === undefined ? null : Number(raw.reloadReleaseId),
  };
}

const valueHash = (value: string) => createHash('sha256').update(value).digest('hex');
const recordData = (r: RecordRow): DnsRecordData => ({ name: r.name, type: r.type, ttl: r.ttl, value: r.value });
const invalid = (problems: FieldProblem[]) => ({ ok: false as const, refusal: { kind: 'invalid' as const, problems } });
const notFound = (message: string) => ({ ok: false as const, refusal: { kind: 'not-found' as const, message } });

/**
 * Zones and records in the database. Every change runs as one transaction that locks the zone row first
 * (so two changes at one zone see each other: the CNAME rules hold across concurrent requests), checks the
 * record against what the zone holds, writes it, bumps the zone's version and writes the audit entry
 * (who, before, after) in the same transaction. The whole unit is retried on a lost connection.
 */
@Injectable()
export class DnsStore {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly audit: AuditWriter,
  ) {}

  async listZones(): Promise<ZoneRow[]> {
    const rows: Record<string, unknown>[] = await this.uow.run('list dns zones', (ds) => ds.query(`SELECT ${ZONE_COLUMNS} FROM ${ZONES} ORDER BY z.name`));
    return rows.map(zoneRow);
  }

  async findZone(name: string): Promise<ZoneRow | null> {
    const rows: Record<string, unknown>[] = await this.uow.run('read dns zone', (ds) => ds.query(`SELECT ${ZONE_COLUMNS} FROM ${ZONES} WHERE z.name = ?`, [name.toLowerCase().replace(/\.$/, '')]));
    return rows[0] ? zoneRow(rows[0]) : null;
  }

  async listRecords(zoneId: number): Promise<RecordRow[]> {
    return this.uow.run('list dns records', (ds) => ds.query(`SELECT ${RECORD_COLUMNS} FROM dns_records WHERE zone_id = ? ORDER BY name, type, id`, [zoneId]));
  }

  async findRecord(zoneId: number, id: number): Promise<RecordRow | null> {
    const rows: RecordRow[] = await this.uow.run('read dns record', (ds) => ds.query(`SELECT ${RECORD_COLUMNS} FROM dns_records WHERE zone_id = ? AND id = ?`, [zoneId, id]));
    return rows[0] ?? null;
  }

  /** The zone's last renders (newest first) and the audited changes made since the last installed one. */
  async history(zone: ZoneRow, limit = 50) {
    return this.uow.run('read dns render history', async (ds) => {
      const renders: { zoneVersion: string; serial: number | null; status: string; message: string | null; at: Date; worker: string; releaseId: number | null }[] = await ds.query(
        `SELECT d.zone_version AS zoneVersion, d.serial, ${derivedStatus('d.status', 'd.message', 'd.serial', { status: 'status', message: 'message' })}, d.at, d.worker, d.release_id AS releaseId
           FROM dns_renders d LEFT JOIN releases r ON r.id = d.release_id WHERE d.zone_id = ? ORDER BY d.id DESC LIMIT ?`,
        [zone.id, limit],
      );
      const changes: { at: Date; actor: string; action: string; details: string | Record<string, unknown> }[] = await ds.query(
        `SELECT at, actor, action, details FROM audit_entries
          WHERE action LIKE 'dns.%' AND JSON_UNQUOTE(JSON_EXTRACT(details, '$.zone')) = ? AND at >= COALESCE(?, '1970-01-01') ORDER BY id`,
        [zone.name, zone.renderedAt],
      );
      return {
        renders: renders.map((r) => ({ ...r, zoneVersion: Number(r.zoneVersion) })),
        changesSinceLastRender: changes.map((c) => ({ ...c, details: typeof c.details === 'string' ? (JSON.parse(c.details) as Record<string, unknown>) : c.details })),
      };
    });
  }

  async createZone(input: ZoneInput, actor: string): Promise<DnsChange<ZoneRow>> {
    const checked = checkZone(input);
    if (!checked.ok) return invalid(checked.problems);
    const { zone } = checked;
    const entry = this.audit.inTransaction(actor, 'dns.zone.create');
    return this.uow.run('create dns zone', (ds) =>
      ds.transaction(async (sql) => {
        const existing: unknown[] = await sql.query('SELECT id FROM dns_zones WHERE name = ? FOR UPDATE', [zone.name]);
        if (existing.length > 0) return { ok: false as const, refusal: { kind: 'exists' as const, message: `name: zone ${zone.name} exists` } };
        const result: { insertId: number } = await sql.query(
          `INSERT INTO dns_zones (name, primary_ns, hostmaster, version, created_at, created_by, dirty_since) VALUES (?, ?, ?, 1, NOW(3), ?, NOW(3))`,
          [zone.name, zone.primaryNs, zone.hostmaster, actor],
        );
        await entry.write(sql, { type: 'dns_zone', id: result.insertId }, { zone: zone.name, after: zone });
        const row = await this.zoneIn(sql, result.insertId);
        return { ok: true as const, value: row!, zoneId: result.insertId, zoneVersion: 1 };
      }),
    );
  }

  async deleteZone(name: string, actor: string): Promise<DnsChange<ZoneRow>> {
    const entry = this.audit.inTransaction(actor, 'dns.zone.delete');
    return this.uow.run('delete dns zone', (ds) =>
      ds.transaction(async (sql) => {
        const zone = await this.lockZone(sql, name);
        if (!zone) return notFound(`zone: ${name} not found`);
        const records: RecordRow[] = await sql.query(`SELECT ${RECORD_COLUMNS} FROM dns_records WHERE zone_id = ?`, [zone.id]);
        await sql.query('DELETE FROM dns_zones WHERE id = ?', [zone.id]);
        await entry.write(sql, { type: 'dns_zone', id: zone.id }, {
          zone: zone.name,
          before: { primaryNs: zone.primaryNs, hostmaster: zone.hostmaster, records: records.map(recordData) },
        });
        return { ok: true as const, value: zone, zoneId: zone.id, zoneVersion: zone.version + 1 };
      }),
    );
  }

  /**
   * Sets (or clears, with null) the zone's reload release. The setting is checked by the caller first
   * (ZoneReloadReleases.problems: the catalog's rules); it is not a change of the zone's data, so the
   * version does not move and nothing is rendered; the next render uses it. Audited with before and after.
   */
  async setReloadRelease(zoneName: string, setting: ReloadReleaseSetting | null, actor: string): Promise<DnsChange<ZoneRow>> {
    const entry = this.audit.inTransaction(actor, 'dns.zone.reload-release');
    return this.uow.run('set dns zone reload release', (ds) =>
      ds.transaction(async (sql) => {
        const zone = await this.lockZone(sql, zoneName);
        if (!zone) return notFound(`zone: ${zoneName} not found`);
        await sql.query('UPDATE dns_zones SET reload_release = ? WHERE id = ?', [setting === null ? null : JSON.stringify(setting), zone.id]);
        await entry.write(sql, { type: 'dns_zone', id: zone.id }, { zone: zone.name, before: zone.reloadRelease, after: setting });
        return { ok: true as const, value: (await this.zoneIn(sql, zone.id))!, zoneId: zone.id, zoneVersion: zone.version };
      }),
    );
  }

  async createRecord(zoneName: string, input: RecordInput, actor: string): Promise<DnsChange<RecordRow>> {
    const entry = this.audit.inTransaction(actor, 'dns.record.create');
    return this.uow.run('create dns record', (ds) =>
      ds.transaction(async (sql) => {
        const zone = await this.lockZone(sql, zoneName);
        if (!zone) return notFound(`zone: ${zoneName} not found`);
        const checked = checkRecord(zone.name, input);
        if (!checked.ok) return invalid(checked.problems);
        const others: RecordRow[] = await sql.query(`SELECT ${RECORD_COLUMNS} FROM dns_records WHERE zone_id = ?`, [zone.id]);
        const conflicts = checkAgainstZone(checked.record, others.map(recordData));
        if (conflicts.length > 0) return invalid(conflicts);
        const r = checked.record;
        const result: { insertId: number } = await sql.query(
          'INSERT INTO dns_records (zone_id, name, type, ttl, value, value_hash, version, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, 1, NOW(3), ?)',
          [zone.id, r.name, r.type, r.ttl, r.value, valueHash(r.value), actor],
        );
        const version = await this.bumpZone(sql, zone);
        await entry.write(sql, { type: 'dns_record', id: result.insertId }, { zone: zone.name, after: r });
        const row = await this.recordIn(sql, zone.id, result.insertId);
        if (!row) throw new Error(`dns record ${result.insertId} vanished inside its own transaction`);
        return { ok: true as const, value: row, zoneId: zone.id, zoneVersion: version };
      }),
    );
  }

  /**
   * Import: the zone's records become exactly `inputs` (a parsed zone file), checked one by one and
   * against each other as if added in order, all in one transaction: a file with one bad record changes
   * nothing. Each problem names the file's line (when the parse found it), the record and the field:
   * "zoneFile: line 12: www 300 CNAME web.example.net.: type: a CNAME cannot share ...".
   */
  async replaceRecords(zoneName: string, inputs: readonly (RecordInput & { text: string; line?: number })[], actor: string): Promise<DnsChange<{ records: number }>> {
    const entry = this.audit.inTransaction(actor, 'dns.zone.import');
    return this.uow.run('import dns zone', (ds) =>
      ds.transaction(async (sql) => {
        const zone = await this.lockZone(sql, zoneName);
        if (!zone) return notFound(`zone: ${zoneName} not found`);
        const accepted: DnsRecordData[] = [];
        const problems: FieldProblem[] = [];
        for (const input of inputs) {
          const checked = checkRecord(zone.name, input);
          const issues = checked.ok ? checkAgainstZone(checked.record, accepted) : checked.problems;
          if (checked.ok && issues.length === 0) accepted.push(checked.record);
          else problems.push(...issues.slice(0, 1).map((p) => ({ field: 'zoneFile', message: `zoneFile: ${input.line !== undefined ? `line ${input.line}: ${input.text}` : `record "${input.text}"`}: ${p.message}` })));
          if (problems.length >= 20) break;
        }
        if (problems.length > 0) return invalid(problems);
        const before: RecordRow[] = await sql.query(`SELECT ${RECORD_COLUMNS} FROM dns_records WHERE zone_id = ?`, [zone.id]);
        await sql.query('DELETE FROM dns_records WHERE zone_id = ?', [zone.id]);
        for (let i = 0; i < accepted.length; i += 500) {
          const batch = accepted.slice(i, i + 500);
          await sql.query(
            `INSERT INTO dns_records (zone_id, name, type, ttl, value, value_hash, version, updated_at, updated_by) VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?, 1, NOW(3), ?)').join(', ')}`,
            batch.flatMap((r) => [zone.id, r.name, r.type, r.ttl, r.value, valueHash(r.value), actor]),
          );
        }
        const version = await this.bumpZone(sql, zone);
        await entry.write(sql, { type: 'dns_zone', id: zone.id }, { zone: zone.name, before: before.map(recordData), after: accepted });
        return { ok: true as const, value: { records: accepted.length }, zoneId: zone.id, zoneVersion: version };
      }),
    );
  }

  /** Replaces a record whose version is still `ifMatch` (optimistic concurrency: nobody changed it since it was read). */
  async updateRecord(zoneName: string, id: number, ifMatch: number, input: RecordInput, actor: string): Promise<DnsChange<RecordRow>> {
    const entry = this.audit.inTransaction(actor, 'dns.record.update');
    return this.uow.run('update dns record', (ds) =>
      ds.transaction(async (sql) => {
        const found = await this.lockedRecord(sql, zoneName, id, ifMatch);
        if (!found.ok) return found;
        const { zone, before } = found;
        const checked = checkRecord(zone.name, { name: before.name, type: before.type, ttl: before.ttl, value: before.value, ...definedOnly(input) });
        if (!checked.ok) return invalid(checked.problems);
        const others: RecordRow[] = await sql.query(`SELECT ${RECORD_COLUMNS} FROM dns_records WHERE zone_id = ? AND id <> ?`, [zone.id, id]);
        const conflicts = checkAgainstZone(checked.record, others.map(recordData));
        if (conflicts.length > 0) return invalid(conflicts);
        const r = checked.record;
        await sql.query(
          'UPDATE dns_records SET name = ?, type = ?, ttl = ?, value = ?, value_hash = ?, version = version + 1, updated_at = NOW(3), updated_by = ? WHERE id = ? AND version = ?',
          [r.name, r.type, r.ttl, r.value, valueHash(r.value), actor, id, ifMatch],
        );
        const version = await this.bumpZone(sql, zone);
        await entry.write(sql, { type: 'dns_record', id }, { zone: zone.name, before: recordData(before), after: r });
        return { ok: true as const, value: (await this.recordIn(sql, zone.id, id))!, zoneId: zone.id, zoneVersion: version };
      }),
    );
  }

  async deleteRecord(zoneName: string, id: number, ifMatch: number, actor: string): Promise<DnsChange<RecordRow>> {
    const entry = this.audit.inTransaction(actor, 'dns.record.delete');
    return this.uow.run('delete dns record', (ds) =>
      ds.transaction(async (sql) => {
        const found = await this.lockedRecord(sql, zoneName, id, ifMatch);
        if (!found.ok) return found;
        const { zone, before } = found;
        await sql.query('DELETE FROM dns_records WHERE id = ?', [id]);
        const version = await this.bumpZone(sql, zone);
        await entry.write(sql, { type: 'dns_record', id }, { zone: zone.name, before: recordData(before) });
        return { ok: true as const, value: before, zoneId: zone.id, zoneVersion: version };
      }),
    );
  }

  /** What a change of one record needs first: its zone locked, the record there, still at the version read (If-Match). */
  private async lockedRecord(sql: Sql, zoneName: string, id: number, ifMatch: number) {
    const zone = await this.lockZone(sql, zoneName);
    if (!zone) return notFound(`zone: ${zoneName} not found`);
    const before = await this.recordIn(sql, zone.id, id);
    if (!before) return notFound(`id: record ${id} not found in ${zone.name}`);
    if (before.version !== ifMatch) return mismatch(before);
    return { ok: true as const, zone, before };
  }

  private async lockZone(sql: Sql, name: string): Promise<ZoneRow | null> {
    const rows: Record<string, unknown>[] = await sql.query(`SELECT ${LOCKED_ZONE_COLUMNS} FROM dns_zones WHERE name = ? FOR UPDATE`, [name.toLowerCase().replace(/\.$/, '')]);
    return rows[0] ? zoneRow(rows[0]) : null;
  }

  private async zoneIn(sql: Sql, id: number): Promise<ZoneRow | null> {
    const rows: Record<string, unknown>[] = await sql.query(`SELECT ${ZONE_COLUMNS} FROM ${ZONES} WHERE z.id = ?`, [id]);
    return rows[0] ? zoneRow(rows[0]) : null;
  }

  private async recordIn(sql: Sql, zoneId: number, id: number): Promise<RecordRow | null> {
    const rows: RecordRow[] = await sql.query(`SELECT ${RECORD_COLUMNS} FROM dns_records WHERE zone_id = ? AND id = ?`, [zoneId, id]);
    return rows[0] ?? null;
  }

  /** The zone's next version, in the change's transaction; `dirty_since` keeps the first unrendered change's time. */
  private async bumpZone(sql: Sql, zone: ZoneRow): Promise<number> {
    await sql.query('UPDATE dns_zones SET version = version + 1, dirty_since = COALESCE(dirty_since, NOW(3)) WHERE id = ?', [zone.id]);
    return zone.version + 1;
  }
}

function mismatch(current: RecordRow) {
  return {
    ok: false as const,
    refusal: { kind: 'version-mismatch' as const, current: current.version, message: `If-Match: record ${current.id} is at version ${current.version}; read it again and retry` },
  };
}

function definedOnly(input: RecordInput): RecordInput {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

export type { RecordType };
