import { describe, expect, it } from 'vitest';
import type { Catalog, CatalogHolder } from '@slipway/ansible';
import type { SlipwayConfig } from '@slipway/config';
import type { AuditWriter, ReleaseEntity } from '@slipway/db';
import type { ReleaseStore } from '../release-store.js';
import type { IdempotentLaunch } from './idempotent-launch.js';
import type { ReleaseCommits } from './release-commits.js';
import type { ReleaseJobQueue } from './release-job-queue.js';
import { ReleaseLauncher } from './release-launcher.js';
import type { FreezeStore } from '../freezes/freeze-store.js';
import type { ApprovalStore } from '../approvals/approval-store.js';
import type { FreezeWindowRecord } from '../freezes/freeze-window.js';
import { helloCatalog } from '../../../../test/support/launcher-catalog.js';

const catalog = helloCatalog;

/** Fakes of the launcher's ports: the store keeps rows in memory, the audit keeps entries, the queue can fail. */
function launcherWith(queueFails = false, windows: FreezeWindowRecord[] = [], holder = { current: catalog } as CatalogHolder) {
  const rows: ReleaseEntity[] = [];
  const audit: { actor: string; action: string; details: Record<string, unknown> }[] = [];
  const store = {
    create: async (input: Partial<ReleaseEntity>, _key: number | undefined, alongside?: (em: never, r: ReleaseEntity) => Promise<void>) => {
      const row = { ...input, id: rows.length + 1 } as ReleaseEntity;
      rows.push(row);
      await alongside?.(null as never, row);
      return row;
    },
    findById: async (id: number) => rows.find((r) => r.id === id) ?? null,
    deleteQueued: async (id: number) => {
      rows.splice(rows.findIndex((r) => r.id === id), 1);
    },
  } as unknown as ReleaseStore;
  const writer = {
    inTransaction: (actor: string, action: string) => ({
      write: async (_sql: unknown, _target: unknown, details: Record<string, unknown> = {}) => {
        audit.push({ actor, action, details });
      },
      remove: async () => undefined,
    }),
  } as unknown as AuditWriter;
  const queue: ReleaseJobQueue = { enqueue: () => (queueFails ? Promise.reject(new Error('connection refused')) : Promise.resolve()) };
  const commits = { pin: async () => ({ ok: true, pinned: null }) } as unknown as ReleaseCommits;
  const config = { secretKeys: { current: null, previous: [] } } as unknown as SlipwayConfig;
  const launcher = new ReleaseLauncher(store, queue, holder, commits, {} as IdempotentLaunch, writer, config, { list: async () => windows } as unknown as FreezeStore, { possibleApprovers: async () => [] } as unknown as ApprovalStore);
  return { launcher, rows, audit };
}

describe('ReleaseLauncher with a caller that is not HTTP', () => {
  it('launches for a schedule: requestedBy is its label, the audit entry names its kind and label', async () => {
    const { launcher, rows, audit } = launcherWith();
    const result = await launcher.launch({ template: 'hello', extraVars: { who: 'x' } }, { kind: 'schedule', id: 7 });
    expect(result.ok).toBe(true);
    expect(rows[0]).toMatchObject({ template: 'hello', inventory: 'local', requestedBy: 'schedule 7' });
    expect(audit).toEqual([expect.objectContaining({ actor: 'schedule 7', action: 'release.create', details: expect.objectContaining({ actor: { kind: 'schedule', label: 'schedule 7' } }) })]);
  });

  it('gives a schedule the same rules as a token: an unknown template and a reserved var name are typed refusals', async () => {
    const { launcher, rows } = launcherWith();
    const unknown = await launcher.launch({ template: 'nope' }, { kind: 'schedule', id: 7 });
    expect(unknown).toMatchObject({ ok: false, refusal: { kind: 'unknown-template', template: 'nope' } });
    const reserved = await launcher.launch({ template: 'hello', extraVars: { ansible_become: true } }, { kind: 'schedule', id: 7 });
    expect(reserved).toMatchObject({ ok: false, refusal: { kind: 'invalid', errors: [expect.objectContaining({ field: 'extraVars.ansible_become' })] } });
    expect(rows).toEqual([]);
  });

  it('a queue that cannot take the job: unavailable, and no row is left', async () => {
    const { launcher, rows } = launcherWith(true);
    const result = await launcher.launch({ template: 'hello' }, { kind: 'approval', releaseId: 3 });
    expect(result).toMatchObject({ ok: false, refusal: { kind: 'unavailable' } });
    expect(rows).toEqual([]);
  });

  describe('freeze windows (every caller gets the one refusal)', () => {
    const now = Date.now();
    const window: FreezeWindowRecord = {
      id: 4, name: 'year-end', startsAt: new Date(now - 60_000), endsAt: new Date(now + 3_600_000), cron: null, durationMinutes: null, timeZone: null,
      templates: null, inventories: null, createdBy: 'admin', createdAt: new Date(0),
    };

    it.each([
      [{ kind: 'token', name: 'ci' }],
      [{ kind: 'schedule', id: 7 }],
      [{ kind: 'approval', releaseId: 3 }],
    ] as const)('refuses %j with the window and its end, and writes nothing', async (actor) => {
      const { launcher, rows, audit } = launcherWith(false, [window]);
      const result = await launcher.launch({ template: 'hello' }, actor);
      expect(result).toMatchObject({ ok: false, refusal: { kind: 'frozen', window: { id: 4, name: 'year-end', endsAt: window.endsAt!.toISOString() } } });
      if (!result.ok) expect(result.refusal.message).toContain(`"year-end" is in force until ${window.endsAt!.toISOString()}`);
      expect(rows).toEqual([]);
      expect(audit).toEqual([]);
    });

    it('a window for other templates or inventories, or one that has ended, does not refuse', async () => {
      const others = [{ ...window, templates: ['deploy'] }, { ...window, id: 5, inventories: ['prod'] }, { ...window, id: 6, endsAt: new Date(now - 1) }];
      const { launcher } = launcherWith(false, others);
      expect((await launcher.launch({ template: 'hello' }, { kind: 'schedule', id: 7 })).ok).toBe(true);
    });

    it('an override with a written reason launches, recorded on the release and in its audit entry', async () => {
      const { launcher, rows, audit } = launcherWith(false, [window]);
      const result = await launcher.launch({ template: 'hello', overrideFreeze: 'hotfix INC-1, CAB approved' }, { kind: 'token', name: 'root' });
      expect(result.ok).toBe(true);
      const override = { windowId: 4, window: 'year-end', reason: 'hotfix INC-1, CAB approved', by: 'root' };
      expect(rows[0]).toMatchObject({ freezeOverride: override });
      expect(audit[0].details).toMatchObject({ freezeOverride: override });
    });

    it('with no window in force an override records nothing', async () => {
      const { launcher, rows } = launcherWith(false, []);
      await launcher.launch({ template: 'hello', overrideFreeze: 'just in case, no freeze' }, { kind: 'token', name: 'root' });
      expect(rows[0].freezeOverride).toBeNull();
    });
  });

  describe('check mode (a preview) only where the catalog allows it', () => {
    const previewable = { ...catalog, templates: { hello: { ...catalog.templates.hello, checkMode: true } } } as Catalog;

    it('refuses checkMode for a template without checkMode: true, naming the field, and writes nothing', async () => {
      const { launcher, rows, audit } = launcherWith();
      const result = await launcher.launch({ template: 'hello', checkMode: true }, { kind: 'token', name: 'ci' });
      expect(result).toMatchObject({ ok: false, refusal: { kind: 'invalid', errors: [{ field: 'checkMode', message: expect.stringContaining('checkMode: true') }] } });
      expect(launcher.problems({ template: 'hello', checkMode: true })).toEqual([expect.objectContaining({ field: 'checkMode' })]);
      expect(rows).toEqual([]);
      expect(audit).toEqual([]);
    });

    it('checkMode false is always fine; a template that allows it launches a check-mode release', async () => {
      expect((await launcherWith().launcher.launch({ template: 'hello', checkMode: false }, { kind: 'token', name: 'ci' })).ok).toBe(true);
      const { launcher, rows } = launcherWith(false, [], { current: previewable } as CatalogHolder);
      expect((await launcher.launch({ template: 'hello', checkMode: true }, { kind: 'token', name: 'ci' })).ok).toBe(true);
      expect(rows[0].checkMode).toBe(true);
    });

    it('refuses the rerun of a check-mode release once the catalog no longer allows it', async () => {
      const holder: { current: Catalog } = { current: previewable };
      const { launcher, rows } = launcherWith(false, [], holder as CatalogHolder);
      const first = await launcher.launch({ template: 'hello', checkMode: true }, { kind: 'token', name: 'ci' });
      if (!first.ok) throw new Error(first.refusal.message);
      Object.assign(rows[0], { extraVars: {}, secretValues: null, secretVars: [], limit: null, tags: null, skipTags: null, commitSha: null, gitRef: null });
      expect((await launcher.rerun(first.release.id, { kind: 'token', name: 'ci' })).ok).toBe(true);
      holder.current = catalog;
      const again = await launcher.rerun(first.release.id, { kind: 'token', name: 'ci' });
      expect(again).toMatchObject({ ok: false, refusal: { kind: 'invalid', errors: [{ field: 'checkMode' }] } });
      expect(rows).toHaveLength(2);
    });
  });
});
