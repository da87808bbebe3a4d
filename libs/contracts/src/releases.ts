import { z } from 'zod';
import { ISO_8601, isoTime, keysetPage, plainObject, queryTime, text } from './common.js';
import { DECIMAL, NOT_BOTH_CURSORS, notBothCursors, pageQueryFields } from './page-query.js';
import { named } from './registry.js';
import { MAX_OVERRIDE_REASON_LENGTH, MIN_OVERRIDE_REASON_LENGTH, freezeOverride } from './freezes.js';
import { releaseEventsState } from './release-events.js';
import { releaseApproval } from './approvals.js';
import { RELEASE_STATUSES } from './enums.js';
import { MAX_GIT_REF_LENGTH, MAX_LIMIT_LENGTH, MAX_NAME_LENGTH, MAX_TAG_LENGTH, MAX_TAGS, MAX_TOKEN_NAME_LENGTH } from './limits.js';

/** Per-host PLAY RECAP counts: exactly what the recap parser produces. */
export const hostRecap = named(
  'HostRecap',
  z.strictObject({
    ok: z.number().int(),
    changed: z.number().int(),
    unreachable: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    rescued: z.number().int(),
    ignored: z.number().int(),
  }),
);
export type HostRecapCounts = z.infer<typeof hostRecap>;

/** What ran (libs/releases what-ran.ts fills it from what the worker recorded). */
export const releaseWhatRan = z.object({
  argv: z
    .array(z.string())
    .nullable()
    .meta({
      example: ['ansible-playbook', '-i', '/srv/playbooks/inventories/prod.ini', '-e', '@/tmp/slipway-runs/12/extra-vars.yml', '--tags=deploy', '/srv/playbooks/deploy.yml'],
      description: 'ansible-playbook argv as the worker ran it, executable first; extra vars and credentials travel in files, so it holds their paths, never their values. Null until ansible-playbook started',
    }),
  ansibleVersion: z.string().nullable().meta({ example: '2.14.18', description: "ansible-core's version (ansible-playbook --version) on the worker that ran it" }),
  catalogDigest: z.string().nullable().meta({
    example: 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    description: 'sha256 of the canonical JSON of the catalog entry (template, inventory, project) when the release was created; secret defaults excluded',
  }),
});
export type ReleaseWhatRan = z.infer<typeof releaseWhatRan>;

/** What revision a release runs (git projects; all null for a local directory). */
export const releaseCommit = z.object({
  commitSha: z.string().nullable().meta({ example: '3f9c1e0d4b5a69788796a5b4c3d2e1f0a9b8c7d6', description: 'Full commit id it runs (git projects)' }),
  ref: z.string().nullable().meta({ example: 'main', description: 'The branch, tag or commit name the commit was resolved from' }),
  commitUrl: z.string().nullable().meta({ description: "Link to the commit, from the catalog's project.commitUrl" }),
});
export type ReleaseCommitView = z.infer<typeof releaseCommit>;

/** A release as every route answers it (apps/api release.view.ts builds it). */
export const releaseBody = named(
  'ReleaseBody',
  z.strictObject({
    id: z.number().int().meta({ example: 12 }),
    template: z.string().meta({ example: 'hello' }),
    inventory: z.string().meta({ example: 'local' }),
    extraVars: z.record(z.string(), z.unknown()).meta({ description: 'Secret vars are shown as ********' }),
    secretVars: z.array(z.string()).meta({ description: 'Names of its secret vars, recorded when it was created (masked in every view of it)' }),
    limit: z.string().nullable(),
    tags: z.array(z.string()).nullable(),
    skipTags: z.array(z.string()).nullable(),
    checkMode: z.boolean(),
    lockKey: z.string().meta({ example: 'hello:local' }),
    status: z.enum(RELEASE_STATUSES),
    exitCode: z.number().int().nullable().meta({ description: "ansible-playbook's exit code" }),
    reason: z.string().nullable().meta({ description: 'Why it failed, was cancelled or interrupted' }),
    waitingReason: z.string().nullable().meta({ description: 'Why a queued release has not started (e.g. a lock)' }),
    workerId: z.string().nullable(),
    requestedBy: z.string().meta({ description: 'Name of the token that created it' }),
    rerunOf: z.number().int().nullable(),
    cancelRequestedBy: z.string().nullable(),
    logLines: z.number().int().meta({ description: 'Lines stored so far' }),
    recap: z.record(z.string(), hostRecap).nullable().meta({ description: 'PLAY RECAP per host' }),
    events: releaseEventsState.meta({ description: "ansible's events (issue 21): whether all are stored, from where they are missing, how many were not kept" }),
    createdAt: isoTime,
    runAt: isoTime.nullable(),
    startedAt: isoTime.nullable(),
    finishedAt: isoTime.nullable(),
    durationMs: z.number().int().nullable(),
    freezeOverride: freezeOverride.nullable().meta({ description: 'The freeze window an admin overrode to launch it, and why (null: none)' }),
    approval: releaseApproval.nullable().meta({ description: 'Templates that require approval: the rule and its decisions (null: none needed)' }),
    previewOf: z.number().int().nullable().meta({ description: 'A check-mode preview: the release awaiting approval it previews' }),
    ...releaseWhatRan.shape,
    ...releaseCommit.shape,
  }),
);
export type Release = z.infer<typeof releaseBody>;

export const releasePage = named('ReleasePage', keysetPage(releaseBody));

/** `GET /api/v1/approvals`: releases awaiting approval, oldest first, each with who may still approve it. */
export const approvalsList = named(
  'ApprovalsList',
  z.strictObject({
    items: z.array(
      z.strictObject({
        release: releaseBody,
        mayApprove: z.array(z.string()).meta({ description: 'Tokens that may still approve it (approver or admin; not its requester unless allowed; not those who did)' }),
      }),
    ),
  }),
);
export type ApprovalsList = z.infer<typeof approvalsList>;
export type ReleasePage = z.infer<typeof releasePage>;

const tagList = (description: string) =>
  z
    .array(text().max(MAX_TAG_LENGTH, { message: `at most ${MAX_TAG_LENGTH} characters` }), { message: 'must be an array of strings' })
    .max(MAX_TAGS, { message: `at most ${MAX_TAGS} tags` })
    .optional()
    .meta({ description });

/** Admins only (the API checks the role): a written reason to launch despite a freeze window in force. */
const overrideFreezeField = () =>
  text()
    .trim()
    .min(MIN_OVERRIDE_REASON_LENGTH, { message: `a written reason of at least ${MIN_OVERRIDE_REASON_LENGTH} characters` })
    .max(MAX_OVERRIDE_REASON_LENGTH, { message: `at most ${MAX_OVERRIDE_REASON_LENGTH} characters` })
    .optional()
    .meta({ example: 'hotfix for INC-4211, approved by the CAB', description: 'Admins only: launch despite a freeze window in force, for this written reason (audited, shown on the release)' });

const gitRef = () => text().max(MAX_GIT_REF_LENGTH, { message: `at most ${MAX_GIT_REF_LENGTH} characters` });

/**
 * `POST /api/v1/releases` body. `extraVars` is only shaped here: the template's declared vars decide the
 * rest (libs/ansible validateReleaseVars), on the object exactly as parsed (own `__proto__` included).
 */
export const createReleaseRequest = named(
  'CreateReleaseRequest',
  z.strictObject({
    template: text()
      .min(1, { message: 'must not be empty' })
      .max(MAX_NAME_LENGTH, { message: `at most ${MAX_NAME_LENGTH} characters` })
      .meta({ example: 'hello', description: 'Template name from the catalog' }),
    inventory: text()
      .min(1, { message: 'must not be empty' })
      .max(MAX_NAME_LENGTH, { message: `at most ${MAX_NAME_LENGTH} characters` })
      .optional()
      .meta({ example: 'local', description: "Inventory name; defaults to the template's first" }),
    extraVars: plainObject('must be an object of var name to value')
      .optional()
      .meta({
        example: { greeting: 'hello' },
        description:
          "Values for the template's declared vars (its `vars` JSON Schema); defaults fill the rest. Undeclared names only if the " +
          "template has openVars; ansible_* and ansible's special variables never.",
      }),
    limit: text()
      .max(MAX_LIMIT_LENGTH, { message: `at most ${MAX_LIMIT_LENGTH} characters` })
      .optional()
      .meta({
        example: 'web1',
        description: "ansible --limit: hosts and groups of the inventory, separated by ',' (or ':' or blanks), each optionally prefixed by '!' or '&'",
      }),
    tags: tagList('ansible --tags'),
    skipTags: tagList('ansible --skip-tags'),
    checkMode: z.boolean().optional().meta({ description: 'ansible --check --diff: a preview (templates with checkMode: true only; otherwise 400 naming checkMode)' }),
    ref: gitRef()
      .optional()
      .meta({ example: 'release/2.4', description: "Git projects, templates with refOverride only: the branch, tag or commit to run instead of the catalog's ref" }),
    runAt: z
      .string()
      .regex(ISO_8601, { message: 'must be an ISO 8601 time, e.g. 2030-01-01T00:00:00Z' })
      .optional()
      .meta({ example: '2030-01-01T00:00:00Z', description: 'Start no earlier than this time' }),
      overrideFreeze: overrideFreezeField(),
  }),
);
export type CreateReleaseRequest = z.infer<typeof createReleaseRequest>;

/** `POST /api/v1/releases/:id/rerun` body: the original's commit unless one of these asks for another. */
export const rerunReleaseRequest = named(
  'RerunReleaseRequest',
  z.strictObject({
    ref: gitRef().optional().meta({ example: 'main', description: 'Run this branch, tag or commit instead (templates with refOverride only)' }),
    latest: z.boolean().optional().meta({ description: "Run the newest commit of the original's ref instead of the original's commit" }),
    extraVars: plainObject('must be an object of secret var name to value')
      .optional()
      .meta({
        example: { db_password: '...' },
        description:
          "Secret vars given again. A rerun by someone other than the original's requester, or on another ref, does not reuse the " +
          'stored secret values: it is refused (400 naming them) unless they are given here. Only secret vars.',
      }),
    overrideFreeze: overrideFreezeField(),
  }),
);
export type RerunReleaseRequest = z.infer<typeof rerunReleaseRequest>;

/** `GET /api/v1/releases` query: filters, then the page. */
export const listReleasesQuery = named(
  'ListReleasesQuery',
  z
    .strictObject({
    ...pageQueryFields,
    status: z.enum(RELEASE_STATUSES).optional(),
    template: z.string().max(MAX_NAME_LENGTH, { message: `at most ${MAX_NAME_LENGTH} characters` }).optional(),
    requestedBy: z.string().max(MAX_TOKEN_NAME_LENGTH, { message: `at most ${MAX_TOKEN_NAME_LENGTH} characters` }).optional().meta({ description: 'Token name that created the release (exact)' }),
    createdFrom: queryTime('2026-12-01T00:00:00Z').optional().meta({ example: '2026-12-01T00:00:00Z', description: 'Created at or after this time (ISO 8601)' }),
    createdTo: queryTime('2026-12-02T00:00:00Z').optional().meta({ example: '2026-12-02T00:00:00Z', description: 'Created before this time (ISO 8601, exclusive)' }),
  })
    .refine(notBothCursors, NOT_BOTH_CURSORS),
);
export type ListReleasesQuery = z.infer<typeof listReleasesQuery>;

const LOG_LINE = 'after: must be a log line number (a whole number)';
/** `?after=` of a log read: only lines with a sequence number above this one (0, the default: all). */
const logQueryFields = {
  after: z
    .string({ message: LOG_LINE })
    .regex(DECIMAL, { message: LOG_LINE })
    .transform(Number)
    .optional()
    .transform((after) => after ?? 0)
    .meta({ description: 'Only lines with a sequence number above this' }),
};

/** `GET /api/v1/releases/:id/events` query (the Last-Event-ID header wins over it). */
export const logEventsQuery = named('LogEventsQuery', z.strictObject(logQueryFields));
export type LogEventsQuery = z.infer<typeof logEventsQuery>;

export const LOG_FORMATS = ['raw', 'plain'] as const;

/** `GET /api/v1/releases/:id/log` query: the stored log as text, or as a file. */
export const logTextQuery = named(
  'LogTextQuery',
  z.strictObject({
    ...logQueryFields,
    download: z.enum(['0', '1']).optional().meta({ description: '1 to get the log as a file (Content-Disposition: attachment)' }),
    format: z.enum(LOG_FORMATS).default('raw').meta({ description: 'raw (default): as ansible printed it; plain: ANSI colour and cursor escapes removed' }),
  }),
);
export type LogTextQuery = z.infer<typeof logTextQuery>;
