import { applyDecorators } from '@nestjs/common';
import { ApiQuery, ApiResponse } from '@nestjs/swagger';
import { componentRef, openApiComponents } from '@slipway/contracts';

/** What each error status means anywhere in the API; the body is always ErrorBody (HttpErrorsFilter). */
const ERROR_MEANING: Record<ErrorStatus, string> = {
  400: 'Bad input: the message (and `errors`, for fields) names what is wrong; nothing was changed',
  401: 'No token, or an unknown or revoked one (`Authorization: Bearer slw_…` or the session cookie)',
  403: "The token's role is too low for this route (or the session cookie came without X-Slipway-Csrf: 1)",
  404: 'No such release or token',
  409: 'Conflicts with the current state',
  413: 'The request body is larger than 256 KiB',
  422: 'Understood, but what it asks for cannot be applied (e.g. a catalog file with problems); nothing was changed',
  429: 'Too many failed authentications or sign-ins from this address; try again after Retry-After seconds',
  503: 'The database or Redis is unreachable; nothing was changed, try again shortly',
};
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 503;

/**
 * Documents error answers, e.g. `@ApiErrors(400, 404)` or `@ApiErrors({ 409: 'Already finished' })` for a
 * route's own meaning. On a controller class it applies to every route of it.
 */
export function ApiErrors(...errors: (ErrorStatus | Partial<Record<ErrorStatus, string>>)[]): MethodDecorator & ClassDecorator {
  const entries = errors.flatMap((e) => (typeof e === 'number' ? [[e, ERROR_MEANING[e]] as const] : Object.entries(e).map(([s, d]) => [Number(s) as ErrorStatus, d] as const)));
  return applyDecorators(
    ...entries.map(([status, description]) => ApiResponse({ status, description, schema: componentRef(status === 400 ? 'ValidationErrorBody' : 'ErrorBody') })),
  );
}

/** Every /api/v1 route behind the auth guard: 401, 403 and 503 (auth and data need the DB). */
export const ApiGuardedErrors = () => ApiErrors(401, 403, 503);

/** A 2xx answer that is not JSON (a log, an event stream, metrics). */
export function ApiTextResponse(status: number, mediaType: string, description: string): MethodDecorator & ClassDecorator {
  return ApiResponse({ status, description, content: { [mediaType]: { schema: { type: 'string' } } } });
}

/** One property of a generated component, as ApiQuery takes its schema (the type is not exported from the entry point). */
type QuerySchema = NonNullable<Extract<Parameters<typeof ApiQuery>[0], { schema?: unknown }>['schema']> & { description?: string };
let components: ReturnType<typeof openApiComponents> | undefined;

/**
 * Documents a query's parameters from its contract component (e.g. `ListReleasesQuery`): a query parsed by
 * the contract pipe has no class for the generator to read, and OpenAPI lists query parameters one by one.
 */
export function ApiQueryOf(componentId: string): MethodDecorator {
  components ??= openApiComponents();
  const query = components[componentId] as { properties?: Record<string, QuerySchema>; required?: string[] } | undefined;
  if (!query?.properties) throw new Error(`ApiQueryOf: no contract component ${componentId} with properties`);
  return applyDecorators(
    ...Object.entries(query.properties).map(([name, schema]) =>
      ApiQuery({ name, required: query.required?.includes(name) ?? false, schema, ...(schema.description ? { description: schema.description } : {}) }),
    ),
  );
}
