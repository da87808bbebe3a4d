import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Logger as Pino, pino } from 'pino';

/** Probes and scrapes every few seconds would drown the request log. */
const QUIET_PATHS = [/^\/health\//, /^\/metrics(\?|$)/];
/** Query parameters that may carry a credential (an EventSource cannot send headers). */
const SECRET_QUERY_PARAMS = /([?&](?:access_token|token|api_key|apikey|key|password)=)[^&#]*/gi;

const RELEASE_IN_PATH = /\/releases\/(\d+)(?:[/?#]|$)/;

/** The URL as logged: credentials in the query string are replaced. */
export function redactUrl(url: string | undefined): string {
  return (url ?? '').replace(SECRET_QUERY_PARAMS, '$1[redacted]');
}

type Level = 'info' | 'warn' | 'error';
type LoggedRequest = IncomingMessage & { id?: unknown };

/** The request as logged: no headers (so never Authorization or Cookie), only the user agent. */
function serializeRequest(req: { id?: unknown; method?: string; url?: string; remoteAddress?: string; headers?: Record<string, unknown> }) {
  return { id: req.id, method: req.method, url: redactUrl(req.url), remoteAddress: req.remoteAddress, userAgent: req.headers?.['user-agent'] };
}

function levelOf(res: ServerResponse, error?: Error): Level {
  return error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
}

const MAX_REQ_ID = 2147483647;

/**
 * One JSON line per HTTP request when it ends (method, route URL without secrets, status, responseTime in
 * ms). Request headers are not logged (only the user agent), so Authorization and Cookie never are; the
 * base logger's redact paths would catch them anyway if a serializer ever added them.
 *
 * The same lines, keys in the same order, as pino-http with `quietReqLogger`, `customProps` (releaseId)
 * and these serializers wrote (http-logger.spec.ts compares the two), without its three child loggers per
 * request (one of which serialised the request into its bindings): the request is serialised once when it
 * arrives (its socket may be gone when it ends) and the line is one log call. Nothing read `req.log`.
 */
export function createHttpLogger(logger: Pino) {
  const std = pino.stdSerializers;
  const requestView = std.wrapRequestSerializer(serializeRequest);
  // The request is passed already serialised (`req` has no serializer here); the response and error as pino-http did.
  const log = logger.child(
    { context: 'Http' },
    {
      serializers: {
        res: std.wrapResponseSerializer((res: { statusCode?: number }) => ({ statusCode: res.statusCode })),
        // What pino-http wraps by default (its types want the wrapper's argument, a serialised error, as std.err's).
        err: std.wrapErrorSerializer(std.err as unknown as Parameters<typeof std.wrapErrorSerializer>[0]),
      },
    },
  );
  let nextReqId = 0;

  return (req: LoggedRequest, res: ServerResponse, next?: () => void): void => {
    req.id = req.id || (nextReqId = (nextReqId + 1) & MAX_REQ_ID);
    const reqId = req.id;
    const startedAt = Date.now();
    const view = requestView(req);
    const match = RELEASE_IN_PATH.exec(req.url ?? '');
    const releaseId = match ? Number(match[1]) : undefined;
    const done = (error?: Error) => {
      res.removeListener('close', done);
      res.removeListener('finish', done);
      res.removeListener('error', done);
      const responseTime = Date.now() - startedAt;
      const level = levelOf(res, error);
      const message = `${req.method} ${redactUrl(req.url)} ${res.statusCode}`;
      const fields: Record<string, unknown> = { reqId, req: view };
      if (releaseId !== undefined) fields.releaseId = releaseId;
      fields.res = res;
      const failed = error || (res as ServerResponse & { err?: Error }).err;
      if (failed || res.statusCode >= 500) fields.err = failed || new Error(`failed with status code ${res.statusCode}`);
      fields.responseTime = responseTime;
      log[level](fields, message);
    };
    if (!QUIET_PATHS.some((p) => p.test(req.url ?? ''))) {
      res.on('close', done);
      res.on('finish', done);
    }
    res.on('error', done);
    next?.();
  };
}
