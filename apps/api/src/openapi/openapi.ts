import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { SESSION_COOKIE } from '../auth/session-cookie.js';
import { openApiComponents } from '@slipway/contracts';

/**
 * OpenAPI generated from the controllers (routes) and libs/contracts (every schema, by name): UI at /api/docs, JSON at /api/docs-json. Served by
 * Swagger's own Express routes, outside the auth guard: the description is public, the API is not.
 */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Slipway')
    .setDescription(
      'Release orchestrator for ansible-playbook. Every /api/v1 route needs `Authorization: Bearer <token>` ' +
        `(or the dashboard's \`${SESSION_COOKIE}\` cookie plus \`X-Slipway-Csrf: 1\` on changes). ` +
        'Roles: viewer reads; deployer also creates, cancels and re-runs; admin also manages tokens. ' +
        'Every error has the body {statusCode, error, message} (message names the field; validation errors add ' +
        '`errors: [{field, message}]`): 400 bad input, 401 no or bad token, 403 role too low, 404 not found, ' +
        '409 conflicts with the current state, 503 database or Redis unreachable (nothing was changed).',
    )
    .setVersion('1')
    // Opaque random tokens (`slw_` + base64url), looked up by their SHA-256 hash: not JWTs, nothing to decode.
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'slw_ token',
      description: 'An opaque Slipway API token (`slw_…`, from POST /api/v1/tokens or `slipway token create`), or the SLIPWAY_BOOTSTRAP_TOKEN. Not a JWT.',
    })
    .addCookieAuth(SESSION_COOKIE, { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE }, 'session')
    .build();
  const document = () => {
    const generated = SwaggerModule.createDocument(app, config);
    // The contract's schemas, generated from the zod schemas the API validates with; routes $ref them by name.
    generated.components = { ...generated.components, schemas: { ...generated.components?.schemas, ...openApiComponents() } };
    return generated;
  };
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/docs-json',
  });
}
