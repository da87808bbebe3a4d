import type { Server, ServerResponse } from 'node:http';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ReleaseEventsHub } from '../releases/release-events.hub.js';

/** Requests in flight get this long to finish; then the last connections are cut. The API exits within 10 s. */
export const HTTP_DRAIN_MS = 8_000;
const IDLE_SWEEP_MS = 100;

/**
 * The API's graceful stop (SIGTERM; supervisord or systemd): stop accepting connections at once, let the
 * requests in flight finish on their connections (the DB and Redis are still open: Nest closes them only
 * after this hook), close each keep-alive connection as soon as it falls idle, and cut whatever is left
 * after HTTP_DRAIN_MS. Open SSE streams are ended first, with a retry hint (ReleaseEventsHub), so that
 * their clients reconnect to another API process and resume from their Last-Event-ID.
 */
@Injectable()
export class HttpDrain implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('HttpDrain');
  private draining = false;
  private readonly unanswered = new Set<ServerResponse>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly eventStreams: ReleaseEventsHub,
  ) {}

  private get server(): Server | undefined {
    return this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
  }

  onApplicationBootstrap(): void {
    // Responses not yet started when the drain begins tell the client not to reuse the connection.
    this.server?.on('request', (_request, response: ServerResponse) => {
      if (this.draining) return response.setHeader('Connection', 'close');
      this.unanswered.add(response);
      response.once('close', () => this.unanswered.delete(response));
    });
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const server = this.server;
    if (!server?.listening || this.draining) return;
    this.draining = true;
    for (const response of this.unanswered) if (!response.headersSent) response.setHeader('Connection', 'close');
    const started = Date.now();
    const closed = new Promise<'closed'>((resolve) => server.close(() => resolve('closed')));
    // Nest runs the hub's own shutdown hook in no fixed order with this one; an SSE stream never ends by itself.
    this.eventStreams.closeAll();
    // close() drops the idle keep-alive connections once; the busy ones become idle as their response ends.
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), HTTP_DRAIN_MS)));
    const outcome = await Promise.race([closed, deadline]);
    clearInterval(sweep);
    clearTimeout(timer);
    if (outcome === 'deadline') {
      this.logger.warn(`${signal ?? 'shutdown'}: requests still open after ${HTTP_DRAIN_MS} ms; closing their connections`);
      server.closeAllConnections();
      await closed;
    }
    this.logger.log(`${signal ?? 'shutdown'}: HTTP server closed in ${Date.now() - started} ms`);
  }
}
