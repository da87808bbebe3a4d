/**
 * The locale variables, by name (POSIX and glibc's categories, LANGUAGE for gettext): a wildcard such as
 * LC_* would also pass whatever else the host happens to name LC_SOMETHING to playbooks and tools.
 */
export const LOCALE_VARIABLES: ReadonlySet<string> = new Set([
  'LANG',
  'LANGUAGE',
  'LC_ALL',
  'LC_CTYPE',
  'LC_NUMERIC',
  'LC_TIME',
  'LC_COLLATE',
  'LC_MONETARY',
  'LC_MESSAGES',
  'LC_PAPER',
  'LC_NAME',
  'LC_ADDRESS',
  'LC_TELEPHONE',
  'LC_MEASUREMENT',
  'LC_IDENTIFICATION',
]);

/**
 * True for what every program the services start needs of their environment: PATH and HOME to find
 * programs and ~/.ssh, TZ and the locale to print text and times the way the host is set up.
 */
export function isProgramBasicsVariable(name: string): boolean {
  return name === 'PATH' || name === 'HOME' || name === 'TZ' || LOCALE_VARIABLES.has(name);
}
