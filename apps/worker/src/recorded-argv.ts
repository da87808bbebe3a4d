import { REDACTED, type SecretMasker } from '@slipway/ansible';
import { formatArgv } from '@slipway/releases';

/**
 * The argv a release records: every secret value of the run masked, wherever it appears (a user's secret
 * that is also a tag or part of the limit, a credential, a value that spans two arguments), in the
 * argv and in the command line the CLI and dashboard show it as (formatArgv's quoting adds the quotes a
 * secret might start or end with). Where the shown line would still hold a secret, the arguments it
 * touches (alone or with its neighbour) are masked whole, and if that is not enough, every argument.
 */
export function recordedArgv(argv: readonly string[], masker: SecretMasker): string[] {
  if (masker.empty) return [...argv];
  const shows = (parts: readonly string[]) => masker.mask(formatArgv(parts)) !== formatArgv(parts);
  const masked = masker.maskParts(argv);
  if (!shows(masked)) return masked;
  const whole = masked.map((part) => (shows([part]) ? REDACTED : part));
  for (let i = 1; i < whole.length; i++) {
    if (shows([whole[i - 1], whole[i]])) whole.splice(i - 1, 2, REDACTED, REDACTED);
  }
  return shows(whole) ? whole.map(() => REDACTED) : whole;
}
