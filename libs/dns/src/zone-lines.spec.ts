import { recordLines } from './zone-lines.js';

describe('recordLines: where each record of a master file starts', () => {
  const FILE = [
    '$ORIGIN example.test.', //                            1
    '$TTL 600', //                                          2
    '@ IN SOA ns1.example.net. hostmaster.example.test. (', // 3
    '   5 3600 600 ; refresh, retry', //                    4
    '   1209600 300 )', //                                  5
    '  IN NS ns1.example.net.', //                          6
    '; a comment line', //                                  7
    'www 300 IN A 192.0.2.1', //                            8
    '    IN AAAA 2001:db8::1 ; same owner', //              9
    'txt IN TXT "a ; not a comment" "(b)"', //              10
    '', //                                                  11
    'Mail.Example.Test. 1h IN MX 10 mx.example.net.', //    12
    '$ORIGIN sub.example.test.', //                         13
    'host A 192.0.2.9', //                                  14
    '@ CNAME www.example.test.', //                         15
  ].join('\n');

  it('gives each record its first line, its absolute owner and its type, following $ORIGIN, blank owners, parentheses, comments and quotes', () => {
    expect(recordLines('example.test', FILE).map(({ line, owner, type }) => ({ line, owner, type }))).toEqual([
      { line: 3, owner: 'example.test', type: 'SOA' },
      { line: 6, owner: 'example.test', type: 'NS' },
      { line: 8, owner: 'www.example.test', type: 'A' },
      { line: 9, owner: 'www.example.test', type: 'AAAA' },
      { line: 10, owner: 'txt.example.test', type: 'TXT' },
      { line: 12, owner: 'mail.example.test', type: 'MX' },
      { line: 14, owner: 'host.sub.example.test', type: 'A' },
      { line: 15, owner: 'sub.example.test', type: 'CNAME' },
    ]);
  });

  it('keeps the rdata of a record as written (for telling records of one RRset apart)', () => {
    expect(recordLines('example.test', 'a IN A 192.0.2.1\na IN A 192.0.2.2\n').map((r) => [r.line, r.rdata])).toEqual([
      [1, '192.0.2.1'],
      [2, '192.0.2.2'],
    ]);
  });
});
