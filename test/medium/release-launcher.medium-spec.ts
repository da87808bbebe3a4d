import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogHolder } from '@slipway/ansible';
import type { SlipwayConfig } from '@slipway/config';
import { AuditWriter } from '@slipway/db';
import { ApprovalStore, FreezeStore, IdempotencyStore, IdempotentLaunch, ReleaseCommits, ReleaseLauncher, ReleaseStore } from '@slipway/releases';
import { type MediumDb, createMediumDb } from './support/medium-db.js';
import { helloCatalog } from '../support/launcher-catalog.js';

/*
 * The launcher as a caller that is not HTTP uses it (a scheduler tick, an approval): real rows in MariaDB,
 * the audit entry in the release's own transaction, idempotency by the caller's key. Only the job queue
 * (Redis) is a recording port: what is checked here is what the database holds.
 */
const catalog = helloCatalog;
const config = { secretKeys: { current: null, previous: [] }, git: null } as unknown as SlipwayConfig;

let db: MediumDb;
let launcher: ReleaseLauncher;
const enqueued: number[] = [];

beforeAll(async () => {
  db = await createMediumDb('release_launcher');
  const store = new ReleaseStore(db.uow);
  const idempotency = new IdempotentLaunch(new IdempotencyStore(db.uow), store);
  const queue = { enqueue: async (id: number) => void enqueued.push(id) };
  launcher = new ReleaseLauncher(store, queue, { current: catalog } as CatalogHolder, new ReleaseCommits(config), idempotency, new AuditWriter(db.uow), config, new FreezeStore(db.uow), new ApprovalStore(db.uow, new AuditWriter(db.uow), {}));
});
afterAll(() => db?.drop());

describe('ReleaseLauncher for a schedule (medium: real MariaDB)', () => {
  it('writes the release with the schedule as requester and its audit entry naming the actor, then enqueues it', async () => {
    const result = await launcher.launch({ template: 'hello', extraVars: { who: 'nightly' } }, { kind: 'schedule', id: 7 });
    if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.refusal)}`);
    const [row] = await db.query<{ requested_by: string; lock_key: string; status: string }>(
      'SELECT requested_by, lock_key, status FROM releases WHERE id = ?',
      [result.release.id],
    );
    expect(row).toEqual({ requested_by: 'schedule 7', lock_key: 'hello:local', status: 'queued' });
    const audit = await db.query<{ actor: string; action: string; details: string | Record<string, unknown> }>(
      "SELECT actor, action, details FROM audit_entries WHERE target_type = 'release' AND target_id = ?",
      [result.release.id],
    );
    expect(audit).toHaveLength(1);
    const details = typeof audit[0].details === 'string' ? JSON.parse(audit[0].details) : audit[0].details;
    expect(audit[0]).toMatchObject({ actor: 'schedule 7', action: 'release.create' });
    expect(details).toMatchObject({ template: 'hello', inventory: 'local', actor: { kind: 'schedule', label: 'schedule 7' } });
    expect(enqueued).toContain(result.release.id);
  });

  it("a tick launched twice with one idempotency key makes one release (the second is the first, replayed)", async () => {
    const key = `schedule-7-${Date.now()}`;
    const first = await launcher.launch({ template: 'hello' }, { kind: 'schedule', id: 7 }, { idempotencyKey: key });
    const second = await launcher.launch({ template: 'hello' }, { kind: 'schedule', id: 7 }, { idempotencyKey: key });
    if (!first.ok || !second.ok) throw new Error('refused');
    expect(second.release.id).toBe(first.release.id);
    expect(second.replayed).toBe(true);
    const rows = await db.query<{ n: number }>("SELECT COUNT(*) AS n FROM releases WHERE requested_by = 'schedule 7' AND id = ?", [first.release.id]);
    expect(Number(rows[0].n)).toBe(1);
  });

  it('a refusal writes nothing: an unknown template leaves no release and no audit entry', async () => {
    const [before] = await db.query<{ r: number; a: number }>('SELECT (SELECT COUNT(*) FROM releases) AS r, (SELECT COUNT(*) FROM audit_entries) AS a');
    const result = await launcher.launch({ template: 'nope' }, { kind: 'approval', releaseId: 3 });
    expect(result).toMatchObject({ ok: false, refusal: { kind: 'unknown-template' } });
    const [after] = await db.query<{ r: number; a: number }>('SELECT (SELECT COUNT(*) FROM releases) AS r, (SELECT COUNT(*) FROM audit_entries) AS a');
    expect(after).toEqual(before);
  });
});
