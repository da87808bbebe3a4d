import { Controller, type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { AuthGuard } from './auth.guard.js';
import type { Authenticator } from './authenticator.js';

/** An /api controller whose route forgot @Roles(): the guard's default rule must still apply. */
@Controller('api/v1/things')
class UnannotatedApiController {
  list() {
    return [];
  }
}

@Controller('health')
class OpenController {
  live() {
    return 'ok';
  }
}

function contextFor(controller: new () => object, method: string, path: string): ExecutionContext {
  const request = { method, path, headers: {} };
  const response = { setHeader: () => undefined };
  return {
    getType: () => 'http',
    getHandler: () => (controller.prototype as Record<string, () => unknown>)[controller === OpenController ? 'live' : 'list'],
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
  } as unknown as ExecutionContext;
}

describe('AuthGuard: which routes need a credential', () => {
  const refusing = {
    authenticate: async () => {
      throw new UnauthorizedException('Authorization: missing');
    },
  } as unknown as Authenticator;
  const guard = new AuthGuard(new Reflector(), refusing);

  it.each(['/api/v1/things', '/API/v1/things', '/Api/V1/things', '/api/v1/things/', '//api/v1/things'])(
    'an un-annotated route of an /api controller needs one however the URL is spelled: %s',
    async (path) => {
      await expect(guard.canActivate(contextFor(UnannotatedApiController, 'POST', path))).rejects.toBeInstanceOf(UnauthorizedException);
    },
  );

  it('a route outside /api without @Roles() is open', async () => {
    await expect(guard.canActivate(contextFor(OpenController, 'GET', '/health/live'))).resolves.toBe(true);
  });
});
