import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { SlipwayConfig } from './config.js';

/** Injection token for the validated configuration object. */
export const SLIPWAY_CONFIG = Symbol('SLIPWAY_CONFIG');

/** Makes the configuration read once in main.ts injectable everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: SlipwayConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: SLIPWAY_CONFIG, useValue: config }],
      exports: [SLIPWAY_CONFIG],
    };
  }
}
