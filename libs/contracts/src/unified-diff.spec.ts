import { describe, expect, it } from 'vitest';
import { diffEntries, unifiedDiff } from './unified-diff.js';

describe('unified diff', () => {
  it('shows removed and added lines with context, in hunks', () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].join('\n') + '\n';
    const after = ['a', 'b', 'c', 'd', 'E', 'f', 'g', 'h', 'i', 'j', 'k'].join('\n') + '\n';
    expect(unifiedDiff(before, after, 'before: x', 'after: x')).toEqual([
      { kind: 'header', text: '--- before: x' },
      { kind: 'header', text: '+++ after: x' },
      { kind: 'hunk', text: '@@ -2,9 +2,10 @@' },
      { kind: 'context', text: ' b' },
      { kind: 'context', text: ' c' },
      { kind: 'context', text: ' d' },
      { kind: 'removed', text: '-e' },
      { kind: 'added', text: '+E' },
      { kind: 'context', text: ' f' },
      { kind: 'context', text: ' g' },
      { kind: 'context', text: ' h' },
      { kind: 'context', text: ' i' },
      { kind: 'context', text: ' j' },
      { kind: 'added', text: '+k' },
    ]);
  });

  it('diffs a new file against nothing', () => {
    expect(unifiedDiff('', 'hello\n', 'a', 'b').filter((l) => l.kind !== 'header')).toEqual([
      { kind: 'hunk', text: '@@ -0,0 +1,1 @@' },
      { kind: 'added', text: '+hello' },
    ]);
  });

  it('says so when nothing differs', () => {
    expect(unifiedDiff('same\n', 'same\n', 'a', 'b')).toEqual([]);
  });

  it('stays fast on large inputs that share nothing (no quadratic table)', () => {
    const before = Array.from({ length: 20_000 }, (_, i) => `old ${i}`).join('\n');
    const after = Array.from({ length: 20_000 }, (_, i) => `new ${i}`).join('\n');
    const lines = unifiedDiff(before, after, 'a', 'b');
    expect(lines.filter((l) => l.kind === 'removed')).toHaveLength(20_000);
    expect(lines.filter((l) => l.kind === 'added')).toHaveLength(20_000);
  });

  it("reads ansible's diff shapes: before/after with headers, prepared text, one or a list", () => {
    const entries = diffEntries([{ before: 'x\n', after: 'y\n', before_header: '/etc/a', after_header: '/etc/a' }, { prepared: '--- a\n+++ b\n-x\n+y' }]);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toContainEqual({ kind: 'removed', text: '-x' });
    expect(entries[0]).toContainEqual({ kind: 'header', text: '--- before: /etc/a' });
    expect(entries[1]).toEqual([
      { kind: 'header', text: '--- a' },
      { kind: 'header', text: '+++ b' },
      { kind: 'removed', text: '-x' },
      { kind: 'added', text: '+y' },
    ]);
    expect(diffEntries({ before: '', after: 'z\n' })[0]).toContainEqual({ kind: 'added', text: '+z' });
    expect(diffEntries(null)).toEqual([]);
    expect(diffEntries('garbage')).toEqual([]);
    expect(diffEntries([{ before: 'same', after: 'same' }])).toEqual([]);
  });
});
