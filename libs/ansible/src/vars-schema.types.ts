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

/*
 * The API's shapes of templates and their vars are the contract's (libs/contracts templates.ts), declared
 * once there: toVarsJsonSchema and the templates route build exactly those types.
 */
export type { LimitPolicy, ReleaseCommitView, TemplateVarsJsonSchema, VarJsonSchema } from '@slipway/contracts';
