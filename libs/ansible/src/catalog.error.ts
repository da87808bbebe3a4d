/** Thrown by `loadCatalog`; lists every problem found so they can all be fixed in one go. */
export class CatalogError extends Error {
  readonly file: string;
  readonly problems: string[];

  constructor(file: string, problems: string[]) {
    super(`catalog ${file} is invalid:\n${problems.map((p) => ` - ${p}`).join('\n')}`);
    this.name = 'CatalogError';
    this.file = file;
    this.problems = problems;
  }
}
