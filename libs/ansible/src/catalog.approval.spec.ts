import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approvalFor } from './catalog.approval.js';
import { CatalogError } from './catalog.error.js';
import { loadCatalog as loadWithAnsible } from './catalog.loader.js';
import type { InventoryReader } from './inventory-names.js';

const fakeInventory: InventoryReader = (paths) => paths.map(() => ({ hosts: ['localhost'], groups: ['all', 'ungrouped'] }));

const catalog = (approval: string) => `
project: ./playbooks
inventories:
  staging: inventories/local.ini
  prod: inventories/local.ini
templates:
  deploy:
    playbook: hello.yml
${approval}
`;

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'slipway-approval-spec-'));
  mkdirSync(path.join(root, 'playbooks', 'inventories'), { recursive: true });
  writeFileSync(path.join(root, 'playbooks', 'hello.yml'), '- hosts: all\n  tasks: []\n');
  writeFileSync(path.join(root, 'playbooks', 'inventories', 'local.ini'), 'localhost\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function load(text: string) {
  const file = path.join(root, 'catalog.yml');
  writeFileSync(file, text);
  return loadWithAnsible(file, { readInventory: fakeInventory });
}

function problemsOf(text: string): string[] {
  try {
    load(text);
  } catch (error) {
    if (error instanceof CatalogError) return error.problems;
    throw error;
  }
  throw new Error('expected the catalog to be invalid');
}

describe('templates.NAME.approval', () => {
  it('defaults: one approver, not the requester, 24 h, no preview, every inventory of the template', () => {
    const template = load(catalog('    approval: {}')).templates.deploy;
    expect(template.approval).toEqual({ approvers: 1, allowSelfApproval: false, expiresAfterSeconds: 86_400, preview: false, inventories: ['staging', 'prod'] });
    expect(approvalFor(template, 'staging')).not.toBeNull();
  });

  it('a template without it needs none; with inventories, only those need it', () => {
    expect(load(catalog('')).templates.deploy.approval).toBeUndefined();
    const template = load(catalog('    checkMode: true\n    approval: { approvers: 2, allowSelfApproval: true, expiresAfter: 600, preview: true, inventories: [prod] }')).templates.deploy;
    expect(template.approval).toMatchObject({ approvers: 2, allowSelfApproval: true, expiresAfterSeconds: 600, preview: true, inventories: ['prod'] });
    expect(approvalFor(template, 'prod')?.approvers).toBe(2);
    expect(approvalFor(template, 'staging')).toBeNull();
  });

  it('a preview needs a template that allows check mode (the preview is a check-mode release)', () => {
    expect(problemsOf(catalog('    approval: { preview: true }'))).toEqual([expect.stringMatching(/^templates\.deploy\.approval\.preview: needs checkMode: true/)]);
    expect(load(catalog('    checkMode: true\n    approval: { preview: true }')).templates.deploy.approval?.preview).toBe(true);
  });

  it('names every bad field', () => {
    expect(problemsOf(catalog('    approval: yes'))).toEqual([expect.stringMatching(/^templates\.deploy\.approval: must be a mapping/)]);
    const problems = problemsOf(catalog('    approval: { approvers: 0, allowSelfApproval: "no", expiresAfter: 99999999, preview: 1, inventories: [prod, qa, prod], other: 1 }'));
    expect(problems.map((p) => p.replace(/:.*$/, ''))).toEqual([
      'templates.deploy.approval.other',
      'templates.deploy.approval.approvers',
      'templates.deploy.approval.allowSelfApproval',
      'templates.deploy.approval.expiresAfter',
      'templates.deploy.approval.preview',
      'templates.deploy.approval.inventories[1]',
      'templates.deploy.approval.inventories[2]',
    ]);
    expect(problemsOf(catalog('    approval: { approvers: 1.5 }'))).toEqual([expect.stringMatching(/^templates\.deploy\.approval\.approvers: must be a whole number/)]);
    expect(problemsOf(catalog('    approval: { expiresAfter: 0 }'))).toEqual([expect.stringMatching(/^templates\.deploy\.approval\.expiresAfter: /)]);
    expect(problemsOf(catalog('    approval: { inventories: [] }'))).toEqual([expect.stringMatching(/^templates\.deploy\.approval\.inventories: /)]);
  });
});
