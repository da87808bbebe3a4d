import { describe, expect, it } from 'vitest';
import { limitProblem, splitLimit } from './host-limit.js';
import { parseInventoryList } from './inventory-names.js';

const inventory = { hosts: ['localhost', 'web1', 'web2'], groups: ['all', 'ungrouped', 'web'] };

describe('splitLimit', () => {
  it('splits on commas, colons and blanks, keeping prefixes and empty parts', () => {
    expect(splitLimit('web1,!web2:&web  db').map((p) => p.raw)).toEqual(['web1', '!web2', '&web', '', 'db']);
    expect(splitLimit('!web2')).toEqual([{ raw: '!web2', name: 'web2' }]);
  });
});

describe('limitProblem', () => {
  it.each(['localhost', 'web1,web2', 'web:!web2', 'web,&web1', 'all', 'web1 web2'])('accepts %j', (limit) => {
    expect(limitProblem(limit, 'any', inventory)).toBeNull();
  });

  it.each([
    ['@/etc/passwd', 'reads patterns from a file'],
    ['localhost,@/etc/passwd', '"@/etc/passwd" reads patterns from a file'],
    [' @/etc/passwd', 'empty pattern'],
    ['localhost:@/etc/passwd', 'reads patterns from a file'],
    ['localhost,!@/etc/passwd', '"!@/etc/passwd" reads patterns from a file'],
    ['localhost,&@/etc/passwd', '"&@/etc/passwd" reads patterns from a file'],
    ['localhost,-i/etc/hosts', 'starts with "-"'],
    ['localhost,,web1', 'empty pattern'],
    ['localhost,', 'empty pattern'],
    ['!', 'has no name after its prefix'],
    ['!!web1', 'more than one prefix'],
    ['db9', '"db9" is not a host or group of the inventory'],
    ['web*', '"web*" is not a host or group of the inventory'],
  ])('refuses %j', (limit, fragment) => {
    const problem = limitProblem(limit, 'any', inventory);
    expect(problem).toMatch(/^limit: /);
    expect(problem).toContain(fragment);
  });

  it('with limit: none refuses any limit', () => {
    expect(limitProblem('localhost', 'none', inventory)).toBe('limit: this template takes no limit (limit: none in the catalog)');
  });

  it('with a list allows only the listed patterns, compared as written', () => {
    const policy = ['web1', 'web*', '!web2'];
    expect(limitProblem('web1,web*', policy, inventory)).toBeNull();
    expect(limitProblem('web1:!web2', policy, inventory)).toBeNull();
    expect(limitProblem('web2', policy, inventory)).toContain('"web2" is not allowed for this template (allowed: web1, web*, !web2)');
    // "!web1" alone means every host but web1: not the same as allowing web1.
    expect(limitProblem('!web1', policy, inventory)).toContain('"!web1" is not allowed');
    expect(limitProblem('web1,@/etc/passwd', policy, inventory)).toContain('reads patterns from a file');
  });
});

describe('parseInventoryList', () => {
  it('collects hosts from _meta and groups, groups from keys and children', () => {
    const json = JSON.stringify({
      _meta: { hostvars: { localhost: {}, db1: {} } },
      all: { children: ['ungrouped', 'web', 'empty'] },
      web: { hosts: ['web1'] },
      ungrouped: { hosts: ['localhost'] },
    });
    expect(parseInventoryList(json)).toEqual({ hosts: ['db1', 'localhost', 'web1'], groups: ['all', 'empty', 'ungrouped', 'web'] });
  });

  it('reports output that is not JSON', () => {
    expect(parseInventoryList('[WARNING]: nope')).toEqual({ problem: 'ansible-inventory printed something that is not JSON' });
  });
});
