import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TokenStore } from '../tokens/token.store.js';
import { AuthGuard } from './auth.guard.js';
import { Authenticator } from './authenticator.js';
import { SessionController } from './session.controller.js';
import { SessionStore } from './session.store.js';

/** Tokens, sessions and the global guard that checks them on every /api route. */
@Module({
  controllers: [SessionController],
  providers: [TokenStore, SessionStore, Authenticator, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [TokenStore, Authenticator],
})
export class AuthModule {}
