import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { AuthModule } from '../auth/auth.module.js';
import { TokensController } from './tokens.controller.js';

@Module({ imports: [AuthModule, AuditModule], controllers: [TokensController] })
export class TokensModule {}
