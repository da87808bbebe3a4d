/** The types a template var may declare in the catalog (`type:`). */
export const VAR_TYPES = ['string', 'integer', 'number', 'boolean', 'list'] as const;
export type VarType = (typeof VAR_TYPES)[number];

/** Strings longer than this are refused unless the var sets its own `maxLength` (up to the cap). */
export const DEFAULT_MAX_STRING_LENGTH = 4096;
export const MAX_STRING_LENGTH_CAP = 65_536;
/** Lists longer than this are refused unless the var sets its own `maxItems` (up to the cap). */
export const DEFAULT_MAX_ITEMS = 100;
export const MAX_ITEMS_CAP = 1_000;
/**
 * Untyped values (legacy `extraVars:` defaults, undeclared vars of an `openVars` template) may nest
 * containers this deep and serialize to this many characters: well inside what MariaDB's JSON column
 * accepts, so a deep value is a 400 naming the var, never a 500 from the database.
 */
export const MAX_VALUE_DEPTH = 16;
export const MAX_UNTYPED_VALUE_CHARS = 65_536;
/** A release may send at most this many vars. */
export const MAX_RELEASE_VARS = 200;

/** One declared var of a template, as validated at catalog load. Plain data (JSON-serializable). */
export interface VarSpec {
  name: string;
  /** Undefined for an untyped var (each key of the legacy `extraVars:` map): any JSON value within the limits. */
  type?: VarType;
  required: boolean;
  /** Present when the catalog gives a literal default; applied to releases that do not send the var. */
  default?: unknown;
  /**
   * `default: { env: NAME }` on a secret var: the worker reads NAME from its own environment when the
   * release runs. The value is never resolved by the API, so it never reaches the DB or a response.
   */
  defaultFromEnv?: string;
  secret: boolean;
  description?: string;
  enum?: Array<string | number>;
  /** integer/number bounds, inclusive. */
  min?: number;
  max?: number;
  /** string lengths in characters (UTF-16 code units, like JavaScript and JSON Schema validators in browsers). */
  minLength?: number;
  maxLength?: number;
  /** As written in the catalog; a value must match it as a whole (see `anchoredPattern`). */
  pattern?: string;
  /** list: every item is a string with these rules. */
  items?: { minLength?: number; maxLength: number; pattern?: string };
  minItems?: number;
  maxItems?: number;
}

/** Which `limit` a release may send: any hosts/groups of its inventory, none at all, or only these patterns. */
export type LimitPolicy = 'any' | 'none' | string[];

/**
 * CONTRACT (API, dashboard, CLI): one var in `GET /api/v1/templates` → `vars.properties.<name>`.
 * A JSON Schema (draft 2020-12 subset). `pattern` is already anchored (`^(?:…)$`), so any validator
 * agrees with the API. Secrets never carry `default`; they carry `writeOnly: true` and `x-secret: true`.
 * No `type` means an untyped var (any JSON value).
 */
export interface VarJsonSchema {
  type?: 'string' | 'integer' | 'number' | 'boolean' | 'array';
  description?: string;
  default?: unknown;
  enum?: Array<string | number>;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: { type: 'string'; minLength?: number; maxLength?: number; pattern?: string };
  minItems?: number;
  maxItems?: number;
  writeOnly?: true;
  'x-secret'?: true;
}

/** CONTRACT: a template's `vars` in `GET /api/v1/templates`. `additionalProperties` is the template's `openVars`. */
export interface TemplateVarsJsonSchema {
  type: 'object';
  properties: Record<string, VarJsonSchema>;
  required: string[];
  additionalProperties: boolean;
}

/** CONTRACT: one element of `GET /api/v1/templates`. */
export interface TemplateView {
  name: string;
  description: string | null;
  playbook: string;
  inventories: string[];
  defaultInventory: string | null;
  timeoutSeconds: number;
  /** Literal defaults of the non-secret vars (secret ones shown as "********"); kept for older clients. */
  extraVars: Record<string, unknown>;
  secretVars: string[];
  lock: string;
  vars: TemplateVarsJsonSchema;
  openVars: boolean;
  limit: LimitPolicy;
  /** True: a release may pass `ref` (another branch, tag or commit of the catalog's git project). */
  refOverride: boolean;
}

/**
 * CONTRACT: the revision a release runs, top-level fields of every release in the API (`GET
 * /api/v1/releases/:id` and lists). All null for a release of a local-directory project.
 */
export interface ReleaseCommitView {
  /** Full commit id the release runs (resolved when it was created; a re-run keeps it unless asked otherwise). */
  commitSha: string | null;
  /** The branch, tag or commit name it was resolved from. */
  ref: string | null;
  /** Link to the commit from the catalog's `project.commitUrl`, or null without one. */
  commitUrl: string | null;
}

/** One bad field of a request: `field` as the client wrote it (e.g. "extraVars.canary"). */
export interface FieldProblem {
  field: string;
  message: string;
}
