import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { SESSION_COOKIE } from '../auth/session-cookie.js';

/**
 * OpenAPI generated from the controllers and DTOs: UI at /api/docs, JSON at /api/docs-json. Served by
 * Swagger's own Express routes, outside the auth guard: the description is public, the API is not.
 */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Slipway')
    .setDescription(
      'Release orchestrator for ansible-playbook. Every /api/v1 route needs `Authorization: Bearer <token>` ' +
        `(or the dashboard's \`${SESSION_COOKIE}\` cookie plus \`X-Slipway-Csrf: 1\` on changes). ` +
        'Roles: viewer reads; deployer also creates, cancels and re-runs; admin also manages tokens.',
    )
    .setVersion('1')
    .addBearerAuth()
    .addCookieAuth(SESSION_COOKIE, { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE }, 'session')
    .build();
  SwaggerModule.setup('api/docs', app, () => SwaggerModule.createDocument(app, config), {
    jsonDocumentUrl: 'api/docs-json',
  });
}
