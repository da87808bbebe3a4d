import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import { PUBLIC_KEY, ROLES_KEY } from './auth.decorators.js';
import { Authenticator } from './authenticator.js';
import type { AuthenticatedRequest } from './principal.js';
import { setRetryAfter } from './retry-later.js';
import { type Role, roleAllows } from './roles.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Browsers only send this header when page script sets it, which other sites cannot do without CORS. */
export const CSRF_HEADER = 'x-slipway-csrf';

/**
 * The global guard (APP_GUARD). Every route under /api/ needs a token or session unless it is @Public();
 * routes outside /api (health, metrics, dashboard files) are open unless they declare @Roles().
 * A route without @Roles() needs `viewer` to read and `admin` to change anything, so a route someone
 * forgets to annotate is never open to deployers by accident.
 * Cookie-authenticated changes (not GET) must carry `X-Slipway-Csrf: 1`: a cross-site form or image cannot
 * set it, and a cross-site fetch that sets it needs a CORS pre-flight the API never grants.
 */
/**
 * Whether a route is an API route: decided by the controller's declared path, so no spelling of the URL
 * (`/API/v1/...`, `/Api/...`) can make the guard think otherwise; the URL, lower-cased, is checked as well.
 */
function underApi(controller: object, path: string): boolean {
  const declared: unknown = Reflect.getMetadata(PATH_METADATA, controller);
  const paths = (Array.isArray(declared) ? declared : [declared]).map((p) => String(p ?? '').replace(/^\/+/, '').toLowerCase());
  return paths.some((p) => p === 'api' || p.startsWith('api/')) || path.toLowerCase().startsWith('/api/');
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const declared = this.reflector.getAllAndOverride<Role | undefined>(ROLES_KEY, targets);
    if (!declared && !underApi(context.getClass(), request.path)) return true;

    let principal;
    try {
      principal = await this.authenticator.authenticate(request);
    } catch (error) {
      const response = context.switchToHttp().getResponse<Response>();
      if (error instanceof UnauthorizedException) response.setHeader('WWW-Authenticate', 'Bearer realm="slipway"');
      setRetryAfter(response, error);
      throw error;
    }
    const safe = SAFE_METHODS.has(request.method);
    if (principal.via === 'session' && !safe && request.headers[CSRF_HEADER] !== '1') {
      throw new ForbiddenException('X-Slipway-Csrf: header "X-Slipway-Csrf: 1" is required for changes made with a session cookie');
    }
    const needed: Role = declared ?? (safe ? 'viewer' : 'admin');
    if (!roleAllows(principal.role, needed)) {
      throw new ForbiddenException(`role: ${principal.name} has role ${principal.role}; ${request.method} ${request.path} needs ${needed}`);
    }
    request.principal = principal;
    return true;
  }
}
