import { describe, expect, it } from 'vitest';
import { ArgvError, buildAnsibleArgv, validateOptionValue } from './argv.js';

const BASE = { inventoryPath: '/p/inventories/local.ini', playbookPath: '/p/hello.yml' };

describe('buildAnsibleArgv', () => {
  it('builds the minimal argv with the playbook last', () => {
    expect(buildAnsibleArgv(BASE)).toEqual(['-i', '/p/inventories/local.ini', '/p/hello.yml']);
  });

  it('adds every option as a separate array element, playbook still last', () => {
    expect(
      buildAnsibleArgv({
        ...BASE,
        extraVarsFile: '/tmp/x/extra-vars.yml',
        limit: 'web:&prod:!web3',
        tags: ['deploy', 'config'],
        skipTags: ['slow'],
        checkMode: true,
      }),
    ).toEqual([
      '-i',
      '/p/inventories/local.ini',
      '-e',
      '@/tmp/x/extra-vars.yml',
      '--limit=web:&prod:!web3',
      '--tags=deploy,config',
      '--skip-tags=slow',
      '--check',
      '--diff',
      '/p/hello.yml',
    ]);
  });

  it('leaves out empty tag lists and a false check mode', () => {
    expect(buildAnsibleArgv({ ...BASE, tags: [], skipTags: [], checkMode: false })).toEqual([
      '-i',
      '/p/inventories/local.ini',
      '/p/hello.yml',
    ]);
  });

  it.each([
    ['limit', { limit: '-e@/etc/passwd' }],
    ['limit', { limit: '--help' }],
    ['limit', { limit: '' }],
    ['limit', { limit: '@/etc/shadow' }],
    ['limit', { limit: 'web\n--check' }],
    ['tags[1]', { tags: ['ok', '-t'] }],
    ['tags[0]', { tags: ['a,b'] }],
    ['skipTags[0]', { skipTags: ['--list-tasks'] }],
    ['skipTags[0]', { skipTags: ['x\0y'] }],
    ['playbookPath', { playbookPath: '-v' }],
  ])('refuses a bad %s: %j', (field, overrides) => {
    const build = () => buildAnsibleArgv({ ...BASE, ...overrides });
    expect(build).toThrow(ArgvError);
    try {
      build();
    } catch (err) {
      expect((err as ArgvError).field).toBe(field);
    }
  });
});

describe('validateOptionValue', () => {
  it('accepts ordinary values', () => {
    expect(validateOptionValue('limit', 'web-1.example.com')).toBeNull();
    expect(validateOptionValue('limit', 'all:!db*')).toBeNull();
    expect(validateOptionValue('tags[0]', 'deploy')).toBeNull();
  });

  it('names the field in its messages', () => {
    expect(validateOptionValue('limit', '-x')).toBe('limit: must not start with "-"');
    expect(validateOptionValue('limit', '')).toBe('limit: must not be empty');
    expect(validateOptionValue('limit', 'a\nb')).toBe('limit: must not contain line breaks or NUL characters');
    expect(validateOptionValue('limit', 'a\rb')).toBe('limit: must not contain line breaks or NUL characters');
    expect(validateOptionValue('limit', 'a\0b')).toBe('limit: must not contain line breaks or NUL characters');
    expect(validateOptionValue('tags', 'a,b')).toBe('tags: a single tag must not contain ","');
    expect(validateOptionValue('skipTags[3]', 'a,b')).toBe('skipTags[3]: a single tag must not contain ","');
  });

  it('allows commas in a limit (ansible host pattern lists)', () => {
    expect(validateOptionValue('limit', 'web1,web2')).toBeNull();
  });
});
