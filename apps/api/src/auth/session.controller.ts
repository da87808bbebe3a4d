import { componentRef } from '@slipway/contracts';
import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiBody, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal, Public, Roles } from './auth.decorators.js';
import { Authenticator } from './authenticator.js';
import { clientAddress } from './client-address.js';
import { setRetryAfter } from './retry-later.js';
import type { Principal } from './principal.js';
import { newSecret, sha256Hex } from './secrets.js';
import { clearSessionCookie, readSessionCookie, setSessionCookie } from './session-cookie.js';
import { SessionStore } from './session.store.js';
import { ApiNoContentResponse, ApiOkResponse } from '@nestjs/swagger';
import { ApiErrors } from '../openapi/api-responses.js';
import { type SignInRequest, signInRequest } from '@slipway/contracts';
import { contract } from '../common/contract-validation.js';

/** The dashboard's sign-in: a token in, an HttpOnly `slipway_session` cookie out. */
@ApiTags('session')
@Controller('api/v1/session')
export class SessionController {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly sessions: SessionStore,
  ) {}

  @Post()
  @Public()
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with a token; sets the slipway_session cookie (429 with Retry-After after repeated failures)' })
  @ApiOkResponse({ schema: componentRef('PrincipalBody'), description: 'Signed in; Set-Cookie: slipway_session' })
  @ApiErrors(400, { 401: 'token: invalid or revoked token' }, 429, 503)
  @ApiBody({ schema: componentRef('SignInRequest') })
  async signIn(@Body(contract(signInRequest)) body: SignInRequest, @Req() request: Request, @Res({ passthrough: true }) response: Response) {
    const principal = await this.authenticator.fromToken(body.token, clientAddress(request), 'signIn').catch((error: unknown) => {
      setRetryAfter(response, error);
      throw error;
    });
    if (!principal) throw new UnauthorizedException('token: invalid or revoked token');
    const sessionId = newSecret('');
    await this.sessions.create(sha256Hex(sessionId), {
      name: principal.name,
      role: principal.role,
      tokenId: principal.tokenId,
      bootstrapFingerprint: principal.tokenId === null ? this.authenticator.bootstrapFingerprint : null,
    });
    setSessionCookie(request, response, sessionId);
    return { name: principal.name, role: principal.role };
  }

  @Get()
  @Roles('viewer')
  @ApiCookieAuth('session')
  @ApiOperation({ summary: 'Who is signed in (401 if nobody)' })
  @ApiOkResponse({ schema: componentRef('PrincipalBody') })
  @ApiErrors(401, 403, 503)
  whoAmI(@CurrentPrincipal() principal: Principal) {
    return { name: principal.name, role: principal.role };
  }

  @Delete()
  @Public()
  @HttpCode(204)
  @ApiOperation({ summary: 'Sign out: ends the session and clears the cookie' })
  @ApiNoContentResponse({ description: 'Signed out (also when there was no session)' })
  @ApiErrors(403, 503)
  async signOut(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<void> {
    const sessionId = readSessionCookie(request);
    if (sessionId) {
      await this.sessions.delete(sha256Hex(sessionId));
      this.authenticator.forgetSession(sessionId);
    }
    clearSessionCookie(request, response);
  }
}
