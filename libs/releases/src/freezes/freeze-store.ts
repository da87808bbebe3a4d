import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '@slipway/db';
import type { FreezeWindowRecord, NewFreezeWindow } from './freeze-window.js';

interface Row {
  id: number;
  name: string;
  starts_at: Date | null;
  ends_at: Date | null;
  cron: string | null;
  duration_minutes: number | null;
  time_zone: string | null;
  templates: string | string[] | null;
  inventories: string | string[] | null;
  created_by: string;
  created_at: Date;
}

/** mysql2 gives JSON columns parsed on MySQL, as text on MariaDB (JSON is LONGTEXT there). */
function jsonList(value: string | string[] | null): string[] | null {
  return typeof value === 'string' ? (JSON.parse(value) as string[] | null) : value;
}

function toRecord(row: Row): FreezeWindowRecord {
  return {
    id: Number(row.id),
    name: row.name,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    cron: row.cron,
    durationMinutes: row.duration_minutes === null ? null : Number(row.duration_minutes),
    timeZone: row.time_zone,
    templates: jsonList(row.templates),
    inventories: jsonList(row.inventories),
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

export class DuplicateFreezeWindowError extends Error {}

/** freeze_windows: the few windows admins define; every launch reads them (a small table, one query). */
@Injectable()
export class FreezeStore {
  constructor(private readonly uow: UnitOfWork) {}

  async list(): Promise<FreezeWindowRecord[]> {
    const rows: Row[] = await this.uow.run('list freeze windows', (ds) => ds.query('SELECT * FROM freeze_windows ORDER BY id'));
    return rows.map(toRecord);
  }

  async findById(id: number): Promise<FreezeWindowRecord | null> {
    const rows: Row[] = await this.uow.run('find freeze window', (ds) => ds.query('SELECT * FROM freeze_windows WHERE id = ?', [id]));
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async create(input: NewFreezeWindow, createdBy: string): Promise<FreezeWindowRecord> {
    try {
      // Keyed by its unique name: a retry after a lost COMMIT reply finds the row (and answers it) instead of failing.
      const id = await this.uow.run('create freeze window', async (ds) => {
        const existing: { id: number; created_by: string }[] = await ds.query('SELECT id, created_by FROM freeze_windows WHERE name = ?', [input.name]);
        if (existing[0]) throw new DuplicateFreezeWindowError(`a freeze window named "${input.name}" exists`);
        const result: { insertId: number } = await ds.query(
          `INSERT INTO freeze_windows (name, starts_at, ends_at, cron, duration_minutes, time_zone, templates, inventories, created_by, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [...windowColumns(input), createdBy, new Date()],
        );
        return result.insertId;
      });
      return (await this.findById(id))!;
    } catch (error) {
      if ((error as { code?: string }).code === 'ER_DUP_ENTRY') throw new DuplicateFreezeWindowError(`a freeze window named "${input.name}" exists`);
      throw error;
    }
  }

  /**
   * Replaces the window's definition with `input` (a whole window, already checked); null when it is
   * gone. A name another window has is refused. The same values written twice are the same row, so a
   * retry after a lost reply is harmless.
   */
  async update(id: number, input: NewFreezeWindow): Promise<FreezeWindowRecord | null> {
    try {
      const found = await this.uow.run('update freeze window', async (ds) => {
        const there: { id: number }[] = await ds.query('SELECT id FROM freeze_windows WHERE id = ?', [id]);
        if (!there[0]) return false;
        const clash: { id: number }[] = await ds.query('SELECT id FROM freeze_windows WHERE name = ? AND id <> ?', [input.name, id]);
        if (clash[0]) throw new DuplicateFreezeWindowError(`a freeze window named "${input.name}" exists`);
        await ds.query(
          `UPDATE freeze_windows SET name = ?, starts_at = ?, ends_at = ?, cron = ?, duration_minutes = ?, time_zone = ?, templates = ?, inventories = ? WHERE id = ?`,
          [...windowColumns(input), id],
        );
        return true;
      });
      return found ? this.findById(id) : null;
    } catch (error) {
      if ((error as { code?: string }).code === 'ER_DUP_ENTRY') throw new DuplicateFreezeWindowError(`a freeze window named "${input.name}" exists`);
      throw error;
    }
  }

  /** True when it was there. */
  async delete(id: number): Promise<boolean> {
    const result: { affectedRows: number } = await this.uow.run('delete freeze window', (ds) => ds.query('DELETE FROM freeze_windows WHERE id = ?', [id]));
    return result.affectedRows > 0;
  }
}

/** A window's definition as the columns name, starts_at, ends_at, cron, duration_minutes, time_zone, templates, inventories. */
function windowColumns(input: NewFreezeWindow): unknown[] {
  return [
    input.name,
    input.startsAt ? new Date(input.startsAt) : null,
    input.endsAt ? new Date(input.endsAt) : null,
    input.cron ?? null,
    input.durationMinutes ?? null,
    input.timeZone ?? null,
    input.templates ? JSON.stringify(input.templates) : null,
    input.inventories ? JSON.stringify(input.inventories) : null,
  ];
}
