import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger as Pino } from 'pino';
import { pinoHttp } from 'pino-http';

/** Probes and scrapes every few seconds would drown the request log. */
const QUIET_PATHS = [/^\/health\//, /^\/metrics(\?|$)/];
/** Query parameters that may carry a credential (an EventSource cannot send headers). */
const SECRET_QUERY_PARAMS = /([?&](?:access_token|token|api_key|apikey|key|password)=)[^&#]*/gi;

const RELEASE_IN_PATH = /\/releases\/(\d+)(?:[/?#]|$)/;

/** The URL as logged: credentials in the query string are replaced. */
export function redactUrl(url: string | undefined): string {
  return (url ?? '').replace(SECRET_QUERY_PARAMS, '$1[redacted]');
}

/**
 * One JSON line per HTTP request when it ends (method, route URL without secrets, status, responseTime in
 * ms). Request headers are not logged (only the user agent), so Authorization and Cookie never are; the
 * base logger's redact paths would catch them anyway if a serializer ever added them.
 */
export function createHttpLogger(logger: Pino) {
  return pinoHttp({
    logger: logger.child({ context: 'Http' }),
    quietReqLogger: true,
    autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.some((p) => p.test(req.url ?? '')) },
    // A request about one release carries its id like every other line about it.
    customProps: (req: IncomingMessage) => {
      const match = RELEASE_IN_PATH.exec(req.url ?? '');
      return match ? { releaseId: Number(match[1]) } : {};
    },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    customSuccessMessage: (req: IncomingMessage, res: ServerResponse) => `${req.method} ${redactUrl(req.url)} ${res.statusCode}`,
    customErrorMessage: (req: IncomingMessage, res: ServerResponse) => `${req.method} ${redactUrl(req.url)} ${res.statusCode}`,
    serializers: {
      req: (req: { id?: unknown; method?: string; url?: string; remoteAddress?: string; headers?: Record<string, unknown> }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
        remoteAddress: req.remoteAddress,
        userAgent: req.headers?.['user-agent'],
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  });
}
