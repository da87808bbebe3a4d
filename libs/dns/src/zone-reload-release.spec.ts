import type { CatalogHolder, CatalogTemplate } from '@slipway/ansible';
import type { SlipwayConfig } from '@slipway/config';
import type { UnitOfWork } from '@slipway/db';
import type { LaunchActor, ReleaseLauncher, UncheckedLaunchRequest } from '@slipway/releases';
import { ZoneReloadReleases } from './zone-reload-release.js';

const ship = {
  name: 'ship',
  inventories: ['local'],
  vars: { dns_zone: {}, dns_zone_file: {}, dns_serial: {}, target: {}, token: {} },
  secretVars: ['token'],
} as unknown as CatalogTemplate;
const hello = { name: 'hello', inventories: ['local'], vars: {}, secretVars: [] } as unknown as CatalogTemplate;

function harness(previousStatus: string | null = null) {
  const launched: { request: UncheckedLaunchRequest; actor: LaunchActor }[] = [];
  const launcher = {
    problems: () => [],
    defaultInventoryOf: () => 'local',
    launch: (request: UncheckedLaunchRequest, actor: LaunchActor) => {
      launched.push({ request, actor });
      return Promise.resolve({ ok: true, release: { id: 100 + launched.length }, replayed: false });
    },
  } as unknown as ReleaseLauncher;
  const catalogs = { current: { templates: { ship, hello } } } as unknown as CatalogHolder;
  const uow = { run: () => Promise.resolve(previousStatus ? [{ status: previousStatus, template: 'ship', inventory: 'local' }] : []) } as unknown as UnitOfWork;
  const config = { dns: { zonesDir: '/var/dns/zones' } } as unknown as SlipwayConfig;
  return { reloads: new ZoneReloadReleases(launcher, catalogs, uow, config), launched };
}

describe('ZoneReloadReleases', () => {
  it('refuses, naming the field: a template that does not declare the render vars, a render var or a secret as a fixed var', () => {
    const { reloads } = harness();
    expect(reloads.problems('example.test', { template: 'hello' }).map((p) => p.field)).toEqual(['template']);
    expect(reloads.problems('example.test', { template: 'ship', vars: { dns_serial: 1, token: 'x', target: '/srv' } }).map((p) => p.field)).toEqual(['vars.dns_serial', 'vars.token']);
    expect(reloads.problems('example.test', { template: 'ship', vars: { target: '/srv' } })).toEqual([]);
  });

  it('launches through the launcher as "dns zone ZONE" with the zone, its file and the serial', async () => {
    const { reloads, launched } = harness();
    expect(await reloads.launch({ name: 'example.test', reloadRelease: { template: 'ship', vars: { target: '/srv' } }, reloadReleaseId: null }, 2026120701)).toEqual({ ok: true, releaseId: 101, joined: false });
    expect(launched).toEqual([
      {
        request: { template: 'ship', extraVars: { target: '/srv', dns_zone: 'example.test', dns_zone_file: '/var/dns/zones/example.test.zone', dns_serial: 2026120701 } },
        actor: { kind: 'dns-zone', zone: 'example.test' },
      },
    ]);
  });

  it('joins the zone\'s reload release while it is still queued; launches another once it runs or ended', async () => {
    const zone = { name: 'example.test', reloadRelease: { template: 'ship' }, reloadReleaseId: 7 };
    const queued = harness('queued');
    expect(await queued.reloads.launch(zone, 2)).toEqual({ ok: true, releaseId: 7, joined: true });
    expect(queued.launched).toHaveLength(0);
    for (const status of ['running', 'succeeded', 'failed']) {
      const other = harness(status);
      expect(await other.reloads.launch(zone, 2)).toMatchObject({ ok: true, joined: false });
      expect(other.launched).toHaveLength(1);
    }
  });
});
