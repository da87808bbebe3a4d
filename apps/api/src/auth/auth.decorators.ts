import { SetMetadata, UnauthorizedException, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthenticatedRequest, Principal } from './principal.js';
import type { Role } from './roles.js';

export const ROLES_KEY = 'slipway:roles';
export const PUBLIC_KEY = 'slipway:public';

/** The least role a route needs (viewer < deployer < admin). */
export const Roles = (role: Role) => SetMetadata(ROLES_KEY, role);

/** A route under /api that needs no credentials (signing in, signing out). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The caller the AuthGuard let in. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  // Only reachable if a route reads the principal without being guarded, which is a programming error.
  if (!principal) throw new UnauthorizedException('not signed in');
  return principal;
});
