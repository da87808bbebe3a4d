import { InvalidArgumentError } from 'commander';
import type { Page } from '@slipway/contracts';
import type { SlipwayHttp } from '../http.js';

/** What every command group shares: the program's own options and the API client, made on first use. */
export interface GlobalOptions {
  json?: boolean;
}

export interface CommandContext {
  http: () => SlipwayHttp;
  globals: () => GlobalOptions;
  setExitCode: (code: number) => void;
}

/** A newest-first list page (keyset pagination): `nextBefore` is the `--before` of the next older page. */
export type ListPage<T> = Page<T>;

export function wholeNumber(value: string): string {
  if (!/^\d{1,10}$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return value;
}
