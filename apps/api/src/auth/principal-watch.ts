import { Injectable, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Authenticator } from './authenticator.js';

/**
 * How often an open stream's credential is checked again. With CREDENTIAL_CACHE_TTL_MS (5 s) on top, a
 * stream ends at most ~7 s after its token or session is revoked through any API process (at once through this one, as
 * the revoking process forgets the cache entry).
 */
export const RECHECK_MS = 2_000;

/**
 * Ends a long-lived response (an SSE stream) once the token or session that opened it stops being valid.
 * The stream's own code needs only one call; ending the response makes it clean up as on any disconnect.
 */
@Injectable()
export class PrincipalWatch {
  private readonly logger = new Logger('PrincipalWatch');

  constructor(private readonly authenticator: Authenticator) {}

  watch(request: Request, response: Response): void {
    let checking = false;
    const timer = setInterval(() => {
      if (checking || response.writableEnded) return;
      checking = true;
      void this.authenticator
        .stillValid(request)
        // A failed check (DB away) keeps the stream: its client would only reconnect into the same failure.
        .catch(() => true)
        .then((valid) => {
          if (valid || response.writableEnded) return;
          this.logger.log(`${request.method} ${request.path}: credential revoked, closing the stream`);
          response.end('event: revoked\ndata: {"message":"the token or session of this stream was revoked; sign in again"}\n\n');
        })
        .finally(() => (checking = false));
    }, RECHECK_MS);
    timer.unref();
    response.once('close', () => clearInterval(timer));
  }
}
