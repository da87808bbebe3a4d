import { ROLES, type Role } from '@slipway/db';

/** viewer < deployer < admin: each role may do everything the roles before it may. */
export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

export { ROLES, type Role };
