import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TokenStore } from '../tokens/token.store.js';
import { AuthGuard } from './auth.guard.js';
import { AuthLockout } from './auth-lockout.js';
import { Authenticator } from './authenticator.js';
import { CredentialBatches } from './credential-batches.js';
import { CredentialCache } from './credential-cache.js';
import { PrincipalWatch } from './principal-watch.js';
import { SessionController } from './session.controller.js';
import { SessionStore } from './session.store.js';

/** Tokens, sessions and the global guard that checks them on every /api route. */
@Module({
  controllers: [SessionController],
  providers: [
    TokenStore,
    SessionStore,
    CredentialBatches,
    CredentialCache,
    AuthLockout,
    Authenticator,
    PrincipalWatch,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [TokenStore, Authenticator, PrincipalWatch],
})
export class AuthModule {}
