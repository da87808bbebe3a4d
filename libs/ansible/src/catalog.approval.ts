import { isPlainObject } from './plain-object.js';

/** A template's `approval:` (README "Approvals"): who must say yes before a release of it runs. */
export interface ApprovalPolicy {
  /** Distinct approvers needed (an approver's second approval counts once). Default 1. */
  approvers: number;
  /** The requester may be one of them. Default false. */
  allowSelfApproval: boolean;
  /** Seconds a request waits before it expires. Default 86 400 (24 h). */
  expiresAfterSeconds: number;
  /** A check-mode (--check --diff) release of the same params and commit runs first, for the approvers to read. */
  preview: boolean;
  /** Only releases on these inventories need approval (default: every inventory of the template). */
  inventories: string[];
}

export const DEFAULT_APPROVAL_EXPIRY_SECONDS = 86_400;
export const MAX_APPROVAL_EXPIRY_SECONDS = 30 * 86_400;
export const MAX_APPROVERS = 20;
const APPROVAL_KEYS = new Set(['approvers', 'allowSelfApproval', 'expiresAfter', 'preview', 'inventories']);

type Report = (key: string, message: string) => void;

/**
 * Validates `templates.NAME.approval` (each problem names `approval.FIELD`); undefined when absent or
 * invalid (a problem was reported). `templateInventories` are the template's own.
 */
export function validateApproval(raw: unknown, templateInventories: readonly string[], report: Report): ApprovalPolicy | undefined {
  if (raw === undefined) return undefined;
  if (!isPlainObject(raw)) {
    report('approval', 'must be a mapping (approvers, allowSelfApproval, expiresAfter, preview, inventories)');
    return undefined;
  }
  let ok = true;
  const bad = (key: string, message: string) => {
    ok = false;
    report(`approval.${key}`, message);
  };
  for (const key of Object.keys(raw)) if (!APPROVAL_KEYS.has(key)) bad(key, 'unknown key');
  const approvers = raw.approvers ?? 1;
  if (typeof approvers !== 'number' || !Number.isSafeInteger(approvers) || approvers < 1 || approvers > MAX_APPROVERS) {
    bad('approvers', `must be a whole number from 1 to ${MAX_APPROVERS}, got ${JSON.stringify(raw.approvers)}`);
  }
  const allowSelfApproval = raw.allowSelfApproval ?? false;
  if (typeof allowSelfApproval !== 'boolean') bad('allowSelfApproval', 'must be true or false');
  const expiresAfter = raw.expiresAfter ?? DEFAULT_APPROVAL_EXPIRY_SECONDS;
  if (typeof expiresAfter !== 'number' || !Number.isSafeInteger(expiresAfter) || expiresAfter < 1 || expiresAfter > MAX_APPROVAL_EXPIRY_SECONDS) {
    bad('expiresAfter', `must be a whole number of seconds from 1 to ${MAX_APPROVAL_EXPIRY_SECONDS} (30 days), got ${JSON.stringify(raw.expiresAfter)}`);
  }
  const preview = raw.preview ?? false;
  if (typeof preview !== 'boolean') bad('preview', 'must be true or false');
  let inventories = [...templateInventories];
  if (raw.inventories !== undefined) {
    if (!Array.isArray(raw.inventories) || raw.inventories.length === 0) {
      bad('inventories', "must be a non-empty list of the template's inventories");
    } else {
      const seen = new Set<string>();
      raw.inventories.forEach((item: unknown, i) => {
        if (typeof item !== 'string' || !templateInventories.includes(item)) {
          bad(`inventories[${i}]`, `${JSON.stringify(item)} is not one of the template's inventories (${templateInventories.join(', ')})`);
        } else if (seen.has(item)) bad(`inventories[${i}]`, `duplicate inventory "${item}"`);
        else seen.add(item);
      });
      inventories = [...seen];
    }
  }
  if (!ok) return undefined;
  return {
    approvers: approvers as number,
    allowSelfApproval: allowSelfApproval as boolean,
    expiresAfterSeconds: expiresAfter as number,
    preview: preview as boolean,
    inventories,
  };
}

/** The approval a release of `template` on `inventory` needs, or null. */
export function approvalFor(template: { approval?: ApprovalPolicy }, inventory: string): ApprovalPolicy | null {
  const policy = template.approval;
  return policy && policy.inventories.includes(inventory) ? policy : null;
}
