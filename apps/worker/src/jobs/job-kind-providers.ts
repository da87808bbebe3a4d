import { BullModule } from '@nestjs/bullmq';
import type { DynamicModule, Provider, Type } from '@nestjs/common';
import type { JobKindDefinition } from '@slipway/queue';
import type { JobKindHandler } from './job-kind-handler.js';
import { JobKindRegistry, REGISTERED_JOB_KINDS, type RegisteredJobKind } from './job-kind-registry.js';
import { KindWorkers } from './kind-workers.js';

/** One line of the worker module's list: a kind's definition and the class that handles its jobs. */
export interface JobKindEntry {
  readonly definition: JobKindDefinition<unknown>;
  readonly handler: Type<JobKindHandler<unknown>>;
}

/** Pairs a definition with its handler, checking that both speak of the same payload. */
export function jobKind<Payload>(definition: JobKindDefinition<Payload>, handler: Type<JobKindHandler<Payload>>): JobKindEntry {
  // The payload type is checked here, once; the framework itself never looks inside a job's data.
  return { definition, handler };
}

/** The queue handles, handlers and framework providers for the worker module, from its list of kinds. */
export function jobKindModuleParts(kinds: readonly JobKindEntry[]): { imports: DynamicModule[]; providers: Provider[] } {
  return {
    imports: [BullModule.registerQueue(...kinds.map((kind) => ({ name: kind.definition.queueName })))],
    providers: [
      ...kinds.map((kind) => kind.handler),
      {
        provide: REGISTERED_JOB_KINDS,
        useFactory: (...handlers: JobKindHandler<unknown>[]): RegisteredJobKind[] =>
          handlers.map((handler, i) => ({ definition: kinds[i].definition, handler })),
        inject: kinds.map((kind) => kind.handler),
      },
      JobKindRegistry,
      KindWorkers,
    ],
  };
}
