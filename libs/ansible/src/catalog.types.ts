import type { ApprovalPolicy } from './catalog.approval.js';
import type { RunCredentials } from './credentials.js';
import type { GitProject } from './git-project.types.js';
import type { InventoryNames } from './host-limit.js';
import type { LimitPolicy, VarSpec } from './vars-schema.types.js';

/** One releasable playbook, as validated by `loadCatalog`. */
export interface CatalogTemplate {
  name: string;
  description?: string;
  /** As written in the catalog, relative to the project dir. */
  playbook: string;
  /** Absolute path of the playbook. */
  playbookPath: string;
  /** Inventory names a release may use; the first one is the default. */
  inventories: string[];
  timeoutSeconds: number;
  /** Literal defaults of the declared vars (not `{ env }` ones), overridden key by key by a release's extra vars. */
  extraVars: Record<string, unknown>;
  /** Names of every secret var (values must never be shown or logged). */
  secretVars: string[];
  /** The declared vars by name, in catalog order: `vars:` first, then the legacy `extraVars:`/`secretVars:`. */
  vars: Record<string, VarSpec>;
  /** True: a release may add undeclared vars (still subject to the reserved-name rule). Default false. */
  openVars: boolean;
  /** Which `limit` a release may send. Default `any` (any host or group of its inventory). */
  limit: LimitPolicy;
  /** Lock key pattern with `{template}` and `{inventory}` placeholders. */
  lock: string;
  /** Vault password / SSH key the worker reads from its own files or env for each run (see credentials.ts). */
  credentials?: RunCredentials;
  /** True: a release may name another branch, tag or commit of the git project (`ref`). Default false. */
  refOverride: boolean;
  /**
   * True: a release may run in check mode with diff (`ansible-playbook --check --diff`, a preview that
   * changes nothing when the playbook honours check mode). Default false: a check-mode release is refused.
   */
  checkMode: boolean;
  /** Releases of it wait for approval (on the listed inventories) before they run (issue 22). */
  approval?: ApprovalPolicy;
}

export interface Catalog {
  /** Absolute path of the catalog file. */
  file: string;
  /**
   * Absolute path of the project dir; ansible runs with this as cwd. For a git project: the checkout of
   * `git.loadedCommit` the catalog was checked against (releases run in a private checkout of their own
   * commit, with every path below taken relative to this one).
   */
  projectDir: string;
  /** Set when the project is a git repository. */
  git?: GitProject;
  /** Inventory name -> absolute path. */
  inventories: Record<string, string>;
  /** Inventory name -> its hosts and groups, read with `ansible-inventory --list` at load. */
  inventoryNames: Record<string, InventoryNames>;
  templates: Record<string, CatalogTemplate>;
  /** Inventory name -> its credentials (`inventories.<name>: { path, credentials }`); a template's win. */
  inventoryCredentials?: Record<string, RunCredentials>;
}

export const DEFAULT_TIMEOUT_SECONDS = 3600;
export const DEFAULT_LOCK = '{template}:{inventory}';
export const LOCK_PLACEHOLDERS = ['template', 'inventory'] as const;
/** Template and inventory names end up in URLs, lock keys and logs, so keep them tame. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]*$/i;
