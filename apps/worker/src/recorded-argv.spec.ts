import { SecretMasker } from '@slipway/ansible';
import { formatArgv } from '@slipway/releases';
import { recordedArgv } from './recorded-argv.js';

const ARGV = ['ansible-playbook', '-i', '/srv/inv/prod.ini', '-e', '@/run/7/extra-vars.yml', '--limit=web1:db1', '--tags=deploy,s3cret-tag', '/srv/site.yml'];

function expectNowhere(secret: string, argv: string[]): void {
  for (const text of [...argv, argv.join(' '), formatArgv(argv)]) expect(text).not.toContain(secret);
}

describe('recordedArgv', () => {
  it('leaves an argv without secrets as it is', () => {
    expect(recordedArgv(ARGV, new SecretMasker([]))).toEqual(ARGV);
    expect(recordedArgv(ARGV, new SecretMasker(['not-there']))).toEqual(ARGV);
  });

  it('masks a secret var value the user also gave as a tag or in the limit', () => {
    const argv = recordedArgv(ARGV, new SecretMasker(['s3cret-tag', 'db1']));
    expect(argv).toEqual([...ARGV.slice(0, 5), '--limit=web1:********', '--tags=deploy,********', '/srv/site.yml']);
  });

  it('masks a secret that spans two arguments of the command line', () => {
    const secret = 'prod.ini -e';
    const argv = recordedArgv(ARGV, new SecretMasker([secret]));
    expectNowhere(secret, argv);
    expect(argv[2]).toBe('/srv/inv/********');
    expect(argv[3]).toBe('********');
  });

  it('masks a secret the shown command line would make out of its quotes', () => {
    const withSpace = [...ARGV.slice(0, 5), '--limit=web 1', '/srv/site.yml'];
    for (const secret of ["'--limit=web", "web 1'", "1' /srv"]) {
      const argv = recordedArgv(withSpace, new SecretMasker([secret]));
      expectNowhere(secret, argv);
      expect(argv[0]).toBe('ansible-playbook');
    }
  });

  it('masks credentials and secrets inside paths, and values as ansible would escape them', () => {
    const argv = recordedArgv([...ARGV, '--vault-password-file=/run/7/vault-password'], new SecretMasker(['vault', { nested: 'srv' }]));
    expectNowhere('vault', argv);
    expectNowhere('srv', argv);
  });

  it('masks every argument when nothing less hides the secret', () => {
    // Only a masked run can hold "********" plus its separator: such a secret reveals nothing, and ends the masking.
    const argv = recordedArgv(['a', 'b'], new SecretMasker(["a' 'b"]));
    expectNowhere("a' 'b", argv);
  });
});
