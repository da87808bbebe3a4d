import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import { SLIPWAY_CONFIG, type SlipwayConfig } from '@slipway/config';
import compression from 'compression';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';

/**
 * Paths that belong to the API itself: never answered with the dashboard, even when no route matches, in
 * any spelling (routing is case-sensitive, so `/API/v1/x` is a JSON 404, not the dashboard).
 */
const API_PATHS = /^\/(api|health|metrics)(\/|$)/i;

/** Also `//api/...` and `/%61pi/...`: spellings the router does not match, but that are no dashboard page either. */
function isApiPath(path: string): boolean {
  return API_PATHS.test(decoded(path).replace(/\/{2,}/g, '/'));
}

/** The path as express.static will read it; invalid percent-encoding is tested as it is. */
function decoded(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Decoded first: `x.js%2Emap` names the same file to express.static as `x.js.map`. */
function isSourceMap(path: string): boolean {
  return /\.map$/i.test(decoded(path));
}

/** Vite puts every hashed bundle under /assets/; their names change with their content. */
const HASHED_ASSETS = /^\/assets\//;

/**
 * Serves the built dashboard (`dist/dashboard`, or SLIPWAY_DASHBOARD_DIR) at `/`. Any other GET that is not
 * an API path and is not a file gets index.html, so a reload on `/releases/12` opens that page (the
 * single-page app routes on the client).
 */
@Injectable()
export class DashboardFilesMiddleware implements NestMiddleware {
  private readonly logger = new Logger('Dashboard');
  private readonly dir: string;
  private readonly indexFile: string;
  private readonly files: RequestHandler;
  // Only the dashboard's own files pass through here (API paths, the SSE log stream included, leave
  // before it), so nothing streamed is ever buffered by the compressor.
  private readonly compress: RequestHandler = compression();

  constructor(@Inject(SLIPWAY_CONFIG) config: SlipwayConfig) {
    this.dir = resolve(process.cwd(), config.dashboardDir ?? 'dist/dashboard');
    this.indexFile = join(this.dir, 'index.html');
    this.files = express.static(this.dir, {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      setHeaders: (res) => {
        const url = (res.req as Request).path;
        // Hashed bundles never change under one name; everything else is revalidated.
        res.setHeader('Cache-Control', HASHED_ASSETS.test(url) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
    if (!existsSync(this.indexFile)) this.logger.warn(`no dashboard at ${this.dir} (run npm run build); / answers 404`);
  }

  use(req: Request, res: Response, next: NextFunction): void {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApiPath(req.path)) return next();
    // The build keeps its source maps for whoever debugs the build (vite `sourcemap: 'hidden'`), never the public.
    if (isSourceMap(req.path)) return next();
    this.compress(req, res, () => this.files(req, res, () => this.sendIndex(req, res, next)));
  }

  private sendIndex(req: Request, res: Response, next: NextFunction): void {
    // A missing asset (an old tab asking for a bundle that a new build replaced) is a real 404, not the app.
    if (HASHED_ASSETS.test(req.path) || !existsSync(this.indexFile)) return next();
    // Content-Security-Policy and the other security headers come from helmet (http/security-headers.ts).
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(this.indexFile, (error) => {
      if (error && !res.headersSent) next(error);
    });
  }
}
