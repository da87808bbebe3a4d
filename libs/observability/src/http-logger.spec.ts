import { type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { createHttpLogger, redactUrl } from './http-logger.js';
import { REDACTED_PATHS } from './logger.js';

describe('redactUrl', () => {
  it('replaces credentials in the query string and keeps the rest', () => {
    expect(redactUrl('/api/v1/releases/4/events?access_token=abc&after=10')).toBe('/api/v1/releases/4/events?access_token=[redacted]&after=10');
    expect(redactUrl('/x?after=1&token=s3cret')).toBe('/x?after=1&token=[redacted]');
    expect(redactUrl('/api/v1/releases?template=tokenizer')).toBe('/api/v1/releases?template=tokenizer');
  });
});

/** The pino-http set-up createHttpLogger replaced: its lines are the reference. */
const QUIET_PATHS = [/^\/health\//, /^\/metrics(\?|$)/];
const RELEASE_IN_PATH = /\/releases\/(\d+)(?:[/?#]|$)/;
function pinoHttpLogger(logger: pino.Logger) {
  return pinoHttp({
    logger: logger.child({ context: 'Http' }),
    quietReqLogger: true,
    autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.some((p) => p.test(req.url ?? '')) },
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

function capture(): { lines: string[]; logger: pino.Logger } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  // createPino's options, into memory.
  const logger = pino(
    { level: 'info', base: { service: 'test', pid: 1 }, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, timestamp: pino.stdTimeFunctions.isoTime },
    stream,
  );
  return { lines, logger };
}

/** What may differ between two loggers of one request: the clock, and the stack of an error each made itself. */
function comparable(line: string): unknown {
  const parsed = JSON.parse(line) as Record<string, unknown> & { err?: { stack?: string } };
  delete parsed.time;
  delete parsed.responseTime;
  if (parsed.err?.stack) parsed.err.stack = parsed.err.stack.split('\n')[0];
  return parsed;
}

describe('createHttpLogger', () => {
  const reference = capture();
  const ours = capture();
  const referenceMiddleware = pinoHttpLogger(reference.logger);
  const ourMiddleware = createHttpLogger(ours.logger);
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      referenceMiddleware(req, res);
      ourMiddleware(req, res);
      const url = req.url ?? '';
      if (url.startsWith('/boom')) {
        res.statusCode = 500;
        res.end('{}');
      } else if (url.startsWith('/missing')) {
        res.statusCode = 404;
        res.end('{}');
      } else if (url.startsWith('/emit-error')) {
        res.emit('error', new Error('socket trouble'));
        res.end();
      } else if (url.startsWith('/abort')) {
        // The client goes away before any answer: "close" without "finish", headers never sent.
        req.socket.destroy();
      } else {
        res.statusCode = req.method === 'POST' ? 201 : 200;
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const send = (method: string, path: string, headers: Record<string, string> = {}) =>
    new Promise<void>((resolve) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers: { 'user-agent': 'spec', ...headers } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => resolve());
      req.end();
    });

  it('writes the lines pino-http wrote, key for key, for every kind of request', async () => {
    await send('POST', '/api/v1/releases', { authorization: 'Bearer s3cret', cookie: 'slipway_session=abc' });
    await send('GET', '/api/v1/releases/12');
    await send('GET', '/api/v1/releases/7/events?access_token=s3cret&after=3');
    await send('GET', '/health/ready');
    await send('GET', '/metrics');
    await send('GET', '/missing/thing');
    await send('POST', '/boom');
    await send('GET', '/emit-error');
    await send('GET', '/abort');
    await new Promise((resolve) => setTimeout(resolve, 100));

    expect(ours.lines.length).toBe(reference.lines.length);
    expect(ours.lines.length).toBeGreaterThanOrEqual(7);
    expect(ours.lines.map(comparable)).toEqual(reference.lines.map(comparable));
    // Key order as well (JSON lines are read by people and by grep).
    expect(ours.lines.map((l) => Object.keys(JSON.parse(l) as object))).toEqual(reference.lines.map((l) => Object.keys(JSON.parse(l) as object)));
    const joined = ours.lines.join('\n');
    expect(joined).not.toContain('s3cret');
    expect(joined).not.toContain('slipway_session');
  });
});
