import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.database.url).toBe('mysql://root@127.0.0.1:3306/slipway');
    expect(config.database.database).toBe('slipway');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.queuePrefix).toBe('slipway');
    expect(config.catalogPath.endsWith('examples/catalog.yml')).toBe(true);
    expect(config.port).toBe(3000);
    expect(config.workerConcurrency).toBe(2);
    expect(config.ansiblePlaybookBin).toBe('ansible-playbook');
    expect(config.ansibleNice).toBe(10);
    expect(config.drainTimeoutMs).toBe(570_000);
    expect(config.cancelGraceMs).toBe(20_000);
    expect(config.database.maxIdle).toBeLessThan(config.database.poolSize);
  });

  it('reads the DNS reload step as an argv, with no shell', () => {
    expect(loadConfig({}).dns.reloadArgv).toEqual([]);
    expect(loadConfig({ DNS_RELOAD_COMMAND: '["rndc","reload","{zone}"]' }).dns.reloadArgv).toEqual(['rndc', 'reload', '{zone}']);
    expect(loadConfig({ DNS_ZONES_DIR: 'zones' }).dns.zonesDir).toBe(resolve('zones'));
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(3000);
  });

  it.each([
    ['PORT', 'abc', 'PORT must be a whole number'],
    ['PORT', '70000', 'PORT must be at most 65535'],
    ['WORKER_CONCURRENCY', '0', 'WORKER_CONCURRENCY must be at least 1'],
    ['DATABASE_URL', 'postgres://x/y', 'DATABASE_URL must be a URL starting with mysql://'],
    ['REDIS_URL', 'not a url', 'REDIS_URL must be a URL'],
    ['SLIPWAY_QUEUE_PREFIX', 'has space', 'SLIPWAY_QUEUE_PREFIX must be'],
    ['LOG_LEVEL', 'loud', 'LOG_LEVEL'],
    ['ANSIBLE_NICE', '20', 'ANSIBLE_NICE must be at most 19'],
    ['SLIPWAY_BOOTSTRAP_TOKEN', 'x'.repeat(31), 'SLIPWAY_BOOTSTRAP_TOKEN must be at least 32 characters'],
    ['TRUST_PROXY', 'true', 'TRUST_PROXY must be false, a hop count'],
    ['DNS_RELOAD_COMMAND', 'rndc reload', 'DNS_RELOAD_COMMAND must be a JSON array of strings'],
    ['DNS_RELOAD_COMMAND', '[]', 'DNS_RELOAD_COMMAND must be a JSON array of strings'],
    ['DNS_RELOAD_COMMAND', '["rndc", 3]', 'DNS_RELOAD_COMMAND must be a JSON array of strings'],
    ['TRUST_PROXY', '0', 'TRUST_PROXY must be'],
    ['TRUST_PROXY', '11', 'TRUST_PROXY must be'],
    ['TRUST_PROXY', '10.0.0.0/33', 'TRUST_PROXY must be'],
    ['TRUST_PROXY', 'loopback, proxy.example', 'TRUST_PROXY must be'],
    ['HTTP_REQUEST_TIMEOUT_MS', '10', 'HTTP_REQUEST_TIMEOUT_MS must be at least 1000'],
    ['AUTH_MAX_FAILURES', '0', 'AUTH_MAX_FAILURES must be at least 1'],
    ['RETENTION_RELEASE_DAYS', '0', 'RETENTION_RELEASE_DAYS must be at least 1'],
    ['RETENTION_LOG_DAYS', '7.5', 'RETENTION_LOG_DAYS must be a whole number'],
    ['RETENTION_AUDIT_DAYS', '-3', 'RETENTION_AUDIT_DAYS must be a whole number'],
    ['RETENTION_KEEP_PER_TEMPLATE', 'ten', 'RETENTION_KEEP_PER_TEMPLATE must be a whole number'],
    ['RETENTION_BATCH_SIZE', '0', 'RETENTION_BATCH_SIZE must be at least 1'],
    ['RETENTION_BATCH_SIZE', '100000', 'RETENTION_BATCH_SIZE must be at most 10000'],
    ['RETENTION_INTERVAL_MS', '10', 'RETENTION_INTERVAL_MS must be at least 1000'],
  ])('%s=%s is refused with one line naming it', (name, value, expected) => {
    let error: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain(expected);
    expect(message).not.toContain('\n');
  });

  it('keeps everything by default: retention is off until a days setting is given', () => {
    const { retention } = loadConfig({});
    expect(retention).toEqual({
      releaseDays: undefined,
      logDays: undefined,
      auditDays: undefined,
      keepPerTemplate: 0,
      intervalMs: 60_000,
      batchSize: 500,
      batchPauseMs: 50,
    });
  });

  it('refuses a log cutoff at or beyond the release cutoff (the release and its log go together then)', () => {
    expect(() => loadConfig({ RETENTION_RELEASE_DAYS: '30', RETENTION_LOG_DAYS: '30' })).toThrow(
      /^invalid environment: RETENTION_LOG_DAYS must be lower than RETENTION_RELEASE_DAYS \(30\)/,
    );
    expect(loadConfig({ RETENTION_RELEASE_DAYS: '30', RETENTION_LOG_DAYS: '7' }).retention).toMatchObject({ releaseDays: 30, logDays: 7 });
  });

  it('refuses a database URL without a database name', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root@127.0.0.1:3306/' })).toThrow(/DATABASE_URL must name a database/);
  });

  it('refuses DB_MAX_IDLE not below DB_POOL_SIZE (mysql2 would never reap idle connections)', () => {
    expect(() => loadConfig({ DB_POOL_SIZE: '4', DB_MAX_IDLE: '4' })).toThrow(/DB_MAX_IDLE must be lower than DB_POOL_SIZE/);
  });

  it('reads TRUST_PROXY as Express takes it, and trusts no proxy by default', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'false' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '1' }).http.trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,::1' }).http.trustProxy).toEqual(['loopback', '10.0.0.0/8', '::1']);
  });

  it('bounds slow requests and failed authentications by default', () => {
    const { http, authLimits } = loadConfig({});
    expect(http).toMatchObject({ requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000 });
    expect(authLimits).toEqual({ maxFailures: 30, signInMaxFailures: 10, failureWindowMs: 60_000, lockoutMs: 300_000 });
    expect(() => loadConfig({ HTTP_REQUEST_TIMEOUT_MS: '5000', HTTP_HEADERS_TIMEOUT_MS: '6000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS must not be higher than HTTP_REQUEST_TIMEOUT_MS/,
    );
  });

  it.each([
    ['15000', '15000'],
    ['20000', '15000'],
    ['5001', '15000'],
  ])('refuses WORKER_HEARTBEAT_MS=%s with WORKER_TTL_MS=%s (a live worker would be reaped, or fence itself)', (heartbeat, ttl) => {
    expect(() => loadConfig({ WORKER_HEARTBEAT_MS: heartbeat, WORKER_TTL_MS: ttl })).toThrow(
      /^invalid environment: WORKER_HEARTBEAT_MS must be at most a third of WORKER_TTL_MS \(\d+ ms here\)$/,
    );
  });

  it('caps event streams per token and bounds how far behind a stream client may fall', () => {
    expect(loadConfig({}).eventStreams).toEqual({ maxPerToken: 50, clientBufferBytes: 8 * 1024 * 1024 });
    expect(loadConfig({ SSE_MAX_STREAMS_PER_TOKEN: '3', SSE_CLIENT_BUFFER_BYTES: '65536' }).eventStreams).toEqual({ maxPerToken: 3, clientBufferBytes: 65_536 });
    expect(() => loadConfig({ SSE_MAX_STREAMS_PER_TOKEN: '0' })).toThrow('SSE_MAX_STREAMS_PER_TOKEN must be at least 1');
    expect(() => loadConfig({ SSE_CLIENT_BUFFER_BYTES: '1000' })).toThrow('SSE_CLIENT_BUFFER_BYTES must be at least 65536');
  });

  it('caps the events plugin\'s file at 512 MiB by default, settable (the plugin gets the validated value)', () => {
    expect(loadConfig({}).eventsMaxBytes).toBe(512 * 1024 * 1024);
    expect(loadConfig({ SLIPWAY_EVENTS_MAX_BYTES: '4096' }).eventsMaxBytes).toBe(4096);
    expect(() => loadConfig({ SLIPWAY_EVENTS_MAX_BYTES: '512M' })).toThrow(/^invalid environment: SLIPWAY_EVENTS_MAX_BYTES must be a whole number$/);
    expect(() => loadConfig({ SLIPWAY_EVENTS_MAX_BYTES: '100' })).toThrow(/^invalid environment: SLIPWAY_EVENTS_MAX_BYTES must be at least 1024$/);
    // A Slipway setting, so never inherited by ansible as is: the worker sets the plugin's copy itself.
    expect(loadConfig({ SLIPWAY_EVENTS_MAX_BYTES: '4096' }).ansibleInheritedEnv).not.toHaveProperty('SLIPWAY_EVENTS_MAX_BYTES');
  });

  it('ticks housekeeping every 5 s and re-queues a lost job after 30 s by default; both settable within bounds', () => {
    expect(loadConfig({})).toMatchObject({ housekeepingIntervalMs: 5_000, lostJobGraceMs: 30_000 });
    expect(loadConfig({ HOUSEKEEPING_INTERVAL_MS: '250', LOST_JOB_GRACE_MS: '2000' })).toMatchObject({
      housekeepingIntervalMs: 250,
      lostJobGraceMs: 2_000,
    });
    expect(() => loadConfig({ HOUSEKEEPING_INTERVAL_MS: '50' })).toThrow(/^invalid environment: HOUSEKEEPING_INTERVAL_MS must be at least 100$/);
    expect(() => loadConfig({ HOUSEKEEPING_INTERVAL_MS: '5s' })).toThrow(/^invalid environment: HOUSEKEEPING_INTERVAL_MS must be a whole number$/);
    // Below a second, a release whose job the API is still adding could be queued twice over.
    expect(() => loadConfig({ LOST_JOB_GRACE_MS: '999' })).toThrow(/^invalid environment: LOST_JOB_GRACE_MS must be at least 1000$/);
    expect(() => loadConfig({ LOST_JOB_GRACE_MS: '-1' })).toThrow(/^invalid environment: LOST_JOB_GRACE_MS must be a whole number$/);
  });

  it('accepts a heartbeat of exactly a third of the TTL', () => {
    expect(loadConfig({ WORKER_HEARTBEAT_MS: '5000', WORKER_TTL_MS: '15000' }).workerHeartbeatMs).toBe(5000);
  });

  it('puts run directories under SLIPWAY_RUN_DIR, by default a per-user dir in the OS temp dir', () => {
    expect(loadConfig({ SLIPWAY_RUN_DIR: 'state/runs' }).runDir).toBe(resolve('state/runs'));
    expect(loadConfig({}).runDir).toBe(join(tmpdir(), `slipway-runs-${userInfo().uid}`));
    // Each run's output socket lives below it: a Unix socket path has 107 bytes.
    expect(loadConfig({ SLIPWAY_RUN_DIR: `/${'r'.repeat(71)}` }).runDir).toHaveLength(72);
    expect(() => loadConfig({ SLIPWAY_RUN_DIR: `/${'r'.repeat(72)}` })).toThrow(/SLIPWAY_RUN_DIR must be at most 72 bytes long/);
  });

  it('gives ansible only the allow-listed part of the worker environment', () => {
    const config = loadConfig({
      PATH: '/usr/bin:/bin',
      HOME: '/home/w',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      ANSIBLE_CONFIG: '/etc/ansible/custom.cfg',
      ANSIBLE_NICE: '5',
      ANSIBLE_PLAYBOOK_BIN: '/usr/bin/ansible-playbook',
      DATABASE_URL: 'mysql://root:pw@127.0.0.1:3306/slipway',
      REDIS_URL: 'redis://127.0.0.1:6379',
      SLIPWAY_CANARY: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
      // Named like a locale variable, but none: only the locale variables by name pass.
      LC_EVIL: 'z',
      LC_: 'z',
      LC_TIME: 'en_GB.UTF-8',
      LANGUAGE: 'en_GB:en',
    });
    expect(config.ansibleInheritedEnv).toEqual({
      LC_TIME: 'en_GB.UTF-8',
      LANGUAGE: 'en_GB:en',
      PATH: '/usr/bin:/bin',
      HOME: '/home/w',
      LANG: 'C.UTF-8',
      LC_ALL: 'C.UTF-8',
      TZ: 'UTC',
      ANSIBLE_CONFIG: '/etc/ansible/custom.cfg',
    });
  });

  it('never echoes the value of a bad variable (it may be a secret)', () => {
    expect(() => loadConfig({ SLIPWAY_BOOTSTRAP_TOKEN: 'short-secret' })).toThrow(ConfigError);
    try {
      loadConfig({ SLIPWAY_BOOTSTRAP_TOKEN: 'short-secret' });
    } catch (error) {
      expect((error as Error).message).not.toContain('short-secret');
    }
  });

  it('reads SLIPWAY_SECRET_KEY as 64 hex digits or base64 of 32 bytes', () => {
    const hex = 'ab'.repeat(32);
    expect(loadConfig({ SLIPWAY_SECRET_KEY: hex }).secretKeys.current?.bytes.toString('hex')).toBe(hex);
    const b64 = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ SLIPWAY_SECRET_KEY: b64 }).secretKeys.current?.bytes).toEqual(Buffer.alloc(32, 7));
    expect(loadConfig({}).secretKeys.current).toBeUndefined();
  });

  it.each([
    ['too short hex', 'ab'.repeat(16)],
    ['24 bytes of base64', Buffer.alloc(24, 1).toString('base64')],
    ['a passphrase', 'correct horse battery staple correct horse!'],
  ])('refuses a SLIPWAY_SECRET_KEY that is %s, in one line without the value', (_what, value) => {
    let message = '';
    try {
      loadConfig({ SLIPWAY_SECRET_KEY: value });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toContain('SLIPWAY_SECRET_KEY must be 32 bytes as 64 hex digits or base64');
    expect(message).not.toContain(value);
    expect(message).not.toContain('\n');
  });

  it('never prints a secret key when the config object is logged', () => {
    const config = loadConfig({ SLIPWAY_SECRET_KEY: 'cd'.repeat(32) });
    expect(JSON.stringify(config)).not.toContain('cd'.repeat(8));
    expect(String(config.secretKeys.current)).toBe('[redacted]');
  });
});
