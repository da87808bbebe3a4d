import { describe, expect, it } from 'vitest';
import { SecretMasker } from './secret-masker.js';

describe('SecretMasker', () => {
  it('masks a value wherever it appears in a line, every time', () => {
    const masker = new SecretMasker(['hunter2']);
    expect(masker.mask('password is hunter2, again hunter2!')).toBe('password is ********, again ********!');
  });

  it('leaves lines without secrets as they are, and is a no-op without values', () => {
    expect(new SecretMasker(['hunter2']).mask('ok: [localhost]')).toBe('ok: [localhost]');
    const none = new SecretMasker([undefined, null, '']);
    expect(none.empty).toBe(true);
    expect(none.mask('hunter2')).toBe('hunter2');
  });

  it('masks the JSON-escaped form ansible prints for debug: var=', () => {
    const secret = 'p"a\\ss/é\tx';
    const masker = new SecretMasker([secret]);
    expect(masker.mask('    "db_password": "p\\"a\\\\ss/é\\tx"')).toBe('    "db_password": "********"');
    // ensure_ascii output
    expect(masker.mask('    "db_password": "p\\"a\\\\ss/\\u00e9\\tx"')).toBe('    "db_password": "********"');
  });

  it("masks Python's repr form (single quotes escaped)", () => {
    const masker = new SecretMasker(["it's-secret"]);
    // As ansible prints `msg: "x {{ [db_password] }}"`: repr, then JSON-escaped.
    expect(masker.mask(`    "msg": "x ['it\\\\'s-secret']"`)).toBe(`    "msg": "x ['********']"`);
    const both = new SecretMasker([`it's-s\\ecret"q`]);
    expect(both.mask(`    "msg": "x ['it\\\\'s-s\\\\\\\\ecret\\"q']"`)).toBe(`    "msg": "x ['********']"`);
    expect(new SecretMasker(["it's"]).mask(`"msg": "x [\\"it's\\"]"`)).toBe(`"msg": "x [\\"********\\"]"`);
    expect(masker.mask("['it\\'s-secret']")).toBe("['********']");
  });

  it('masks what the yaml result format prints (the example catalog uses it)', () => {
    // Lines captured from ansible-core 2.14 with callback_result_format = yaml.
    expect(new SecretMasker(['Sekr3t-"pa$$"-é: yes']).mask(`    db_password: 'Sekr3t-"pa$$"-é: yes'`)).toBe(`    db_password: '********'`);
    const quoted = new SecretMasker(["it's: a'b"]);
    expect(quoted.mask("    p2: 'it''s: a''b'")).toBe("    p2: '********'");
    expect(quoted.mask(`    msg: 'x ["it''s: a''b"]'`)).toBe(`    msg: 'x ["********"]'`);
    const block = new SecretMasker(['line-one-xx\nline-two-yy']);
    expect(['    p3: |-', '        line-one-xx', '        line-two-yy'].map((l) => block.mask(l))).toEqual(['    p3: |-', '        ********', '        ********']);
  });

  it('masks a multi-line value printed raw (one line at a time) and JSON-escaped (one line)', () => {
    const masker = new SecretMasker(['first-half\nsecond-half']);
    expect(masker.mask('first-half')).toBe('********');
    expect(masker.mask('second-half')).toBe('********');
    expect(masker.mask('"x": "first-half\\nsecond-half"')).toBe('"x": "********"');
  });

  it('masks values that contain or overlap each other as one run, leaving nothing of either', () => {
    const masker = new SecretMasker(['abc', 'abcdef', 'defgh']);
    expect(masker.mask('[abcdefgh]')).toBe('[********]');
    expect(masker.mask('x abc y abcdef z')).toBe('x ******** y ******** z');
    // Shorter first in the input order changes nothing.
    expect(new SecretMasker(['ab', 'abcd']).mask('abcd')).toBe('********');
  });

  it('masks very short values too (documented: a short secret garbles the log rather than showing)', () => {
    expect(new SecretMasker(['7']).mask('port 7077')).toBe('port ********0********');
  });

  it('masks numbers, booleans and the strings inside objects and lists', () => {
    const masker = new SecretMasker([424242, { user: 'admin-user', keys: ['k-one-secret'] }]);
    expect(masker.mask('pin 424242')).toBe('pin ********');
    expect(masker.mask('key k-one-secret user admin-user')).toBe('key ******** user ********');
  });

  it('masks inside ANSI colour codes, which wrap the whole line', () => {
    const masker = new SecretMasker(['hunter2']);
    expect(masker.mask('\u001b[0;32m    "db_password": "hunter2"\u001b[0m')).toBe('\u001b[0;32m    "db_password": "********"\u001b[0m');
  });
});
