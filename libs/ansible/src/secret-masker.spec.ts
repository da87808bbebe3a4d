import { describe, expect, it } from 'vitest';
import { SecretLineStream, SecretMasker } from './secret-masker.js';

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

/** The lines a SecretLineStream lets out for `lines`, flushed at the end as the runner does at exit. */
function streamed(values: unknown[], lines: string[]): string[] {
  const out: string[] = [];
  const stream = new SecretLineStream(new SecretMasker(values), (line) => out.push(line));
  for (const line of lines) stream.push(line);
  stream.flush();
  return out;
}

const GREEN = '\u001b[0;32m';
const RESET = '\u001b[0m';
const green = (line: string): string => `${GREEN}${line}${RESET}`;

describe('SecretMasker: the escapes of the yaml result format (lines captured from ansible-core 2.14)', () => {
  it('masks a YAML double-quoted value with \\U (emoji), \\a, \\N, \\t, \\e, \\0 and \\uFEFF escapes', () => {
    expect(new SecretMasker(['smile\u{1F600}face']).mask(green('    s1: "smile\\U0001F600face"'))).toBe(green('    s1: "********"'));
    expect(new SecretMasker(['bell\u0007ring']).mask('    s2: "bell\\aring"')).toBe('    s2: "********"');
    expect(new SecretMasker(['nel\u0085line']).mask('    s3: "nel\\Nline"')).toBe('    s3: "********"');
    expect(new SecretMasker(['tab\there\u001bx\u0000z\ufeffq']).mask('    s4: "tab\\there\\ex\\0z\\uFEFFq"')).toBe('    s4: "********"');
    expect(new SecretMasker(['del\u007fx\u0001y']).mask('    s: "del\\x7Fx\\x01y"')).toBe('    s: "********"');
    expect(new SecretMasker(['ls\u2028ps\u2029z']).mask('    s: "ls\\Lps\\Pz"')).toBe('    s: "********"');
    expect(new SecretMasker(['q"b\\s\u0007']).mask('    s: "q\\"b\\\\s\\a"')).toBe('    s: "********"');
  });

  it('masks a value inside a list, printed by msg as a Python repr and then YAML-escaped', () => {
    // msg: "{{ [s] }}" prints ['bell\x07ring'] as the repr, which YAML single-quotes.
    expect(new SecretMasker(['bell\u0007ring']).mask("    msg: '[''bell\\x07ring'']'")).toBe("    msg: '[''********'']'");
  });

  it('masks a multi-line value that the lossy yaml block drops characters from (tab expanded, \\a removed, trailing spaces cut)', () => {
    const masker = new SecretMasker(['first\u0007\tline  \nsecond line  ']);
    expect(masker.mask('        first  line')).toBe('        ********');
    expect(masker.mask('        second line')).toBe('        ********');
  });
});

describe('SecretMasker: JSON forms (callback_result_format = json, ensure_ascii off and on)', () => {
  it('masks control characters as \\u00XX and astral characters raw or as a surrogate pair', () => {
    const masker = new SecretMasker(['bell\u0007\u{1F600}\u0085x']);
    expect(masker.mask('    "s": "bell\\u0007\u{1F600}\u0085x"')).toBe('    "s": "********"');
    expect(masker.mask('    "s": "bell\\u0007\\ud83d\\ude00\\u0085x"')).toBe('    "s": "********"');
  });
});

describe('SecretLineStream: values folded over lines at width 80', () => {
  const long = `${'word '.repeat(25)}end`;

  it('masks a plain scalar folded at a space onto an indented line (debug msg, and the shell-echo cmd)', () => {
    const printed = [
      green('    msg: word word word word word word word word word word word word word word word word'),
      green('        word word word word word word word word word end'),
    ];
    expect(streamed([long], printed)).toEqual([green('    msg: ********'), green('        ********')]);
    const echo = [
      green('        cmd: echo word word word word word word word word word word word word word word'),
      green('            word word word word word word word word word word word end'),
      green('        delta: 0:00:00.017901'),
    ];
    expect(streamed([long], echo)).toEqual([green('        cmd: echo ********'), green('            ********'), green('        delta: 0:00:00.017901')]);
  });

  it('masks a single-quoted scalar folded at a space', () => {
    const secret = `it's ${'long '.repeat(20)}tail`;
    const printed = [
      "    s: 'it''s long long long long long long long long long long long long long long long",
      "        long long long long long tail'",
    ];
    expect(streamed([secret], printed)).toEqual(["    s: '********", "        ********'"]);
  });

  it('masks a double-quoted scalar folded by libyaml (space dropped, an escaped "\\ " when two spaces follow)', () => {
    const secret = `${'a'.repeat(90)} b\u0007c`;
    expect(streamed([secret], [green(`    s7: "${'a'.repeat(90)}`), green('        b\\ac"')])).toEqual([green('    s7: "********'), green('        ********"')]);
    const twoSpaces = `${'x'.repeat(90)}  y\u0007`;
    expect(streamed([twoSpaces], [`    s: "${'x'.repeat(90)}`, '        \\ y\\a"'])).toEqual(['    s: "********', '        ********"']);
  });

  it('masks a double-quoted scalar folded by pure-Python PyYAML (a "\\" continuation, the space kept as "\\ ")', () => {
    const secret = `${'q'.repeat(85)} r\u0007s`;
    expect(streamed([secret], [`    s: "${'q'.repeat(85)}\\`, '        \\ r\\as"'])).toEqual(['    s: "********', '        ********"']);
    // Folded right after an escape, where no space is.
    const noSpace = `${'z'.repeat(80)}\u0007${'z'.repeat(10)}`;
    expect(streamed([noSpace], [`    s: "${'z'.repeat(80)}\\a\\`, `        ${'z'.repeat(10)}"`])).toEqual(['    s: "********', '        ********"']);
  });

  it('masks a value folded over three lines, and lets unrelated lines out unchanged and in order', () => {
    const secret = `${'abcd '.repeat(40)}end`;
    const words = secret.split(' ');
    const printed = [
      'before',
      `    msg: ${words.slice(0, 16).join(' ')}`,
      `        ${words.slice(16, 32).join(' ')}`,
      `        ${words.slice(32).join(' ')}`,
      'after',
    ];
    expect(streamed([secret], printed)).toEqual(['before', '    msg: ********', '        ********', '        ********', 'after']);
  });

  it('does not hold back a line that cannot continue a secret (the live log stays live)', () => {
    const out: string[] = [];
    const stream = new SecretLineStream(new SecretMasker([long]), (line) => out.push(line));
    stream.push('TASK [debug] ***');
    stream.push(`    msg: ${'other '.repeat(15)}`);
    expect(out).toEqual(['TASK [debug] ***', `    msg: ${'other '.repeat(15)}`]);
  });
});
