/**
 * CONTRACT: the answers of `POST /api/v1/catalog/reload`, shared by the API, the CLI and the dashboard.
 * No imports, so the CLI bundle can take this file alone.
 */

/** 200: the new catalog is in force in the API; workers were told to re-read their own copies. */
export interface CatalogReloadApplied {
  result: 'applied';
  file: string;
  loadedAt: string;
  /** Every template of the catalog now in force. */
  templates: string[];
  added: string[];
  removed: string[];
  /** Templates whose entry (playbook, vars, inventories, their paths, …) differs from before. */
  changed: string[];
  /** Workers subscribed when the reload was announced; null when Redis did not take the announcement. */
  workersNotified: number | null;
  /** Why workers were not told (then each picks the reload up only by a later reload or SIGHUP). */
  workersProblem?: string;
}

/** 422: the file has problems; the catalog in force is unchanged. One entry per problem in both lists. */
export interface CatalogReloadRefused {
  statusCode: 422;
  error: 'Unprocessable Entity';
  message: string;
  result: 'refused';
  file: string;
  /** When the catalog still in force was loaded. */
  loadedAt: string;
  problems: string[];
  /** Each problem with the catalog path it is about (e.g. `templates.deploy-web.playbook`). */
  errors: Array<{ field: string; message: string }>;
}

/** The catalog path a loader problem starts with ("templates.x.playbook: …"), or "catalog" when it names none. */
export function problemField(problem: string): string {
  const match = /^([A-Za-z0-9_.\-[\]]+): /.exec(problem);
  return match ? match[1] : 'catalog';
}
