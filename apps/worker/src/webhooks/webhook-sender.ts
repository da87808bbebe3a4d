import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { AddressGuard } from './address-guard.js';

/** What one attempt found: a status code, or an error that stopped it before one arrived. */
export interface SendResult {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** The first bytes of the answer (at most RESPONSE_HEAD_BYTES), as text. */
  responseHead: string | null;
}

/** What is kept of an answer's body; the rest is not read (a huge answer cannot tie up a worker). */
export const RESPONSE_HEAD_BYTES = 1024;

/** Sockets one worker keeps open to one receiver (host and port) at most, and how long an idle one stays. */
const MAX_SOCKETS_PER_HOST = 64;
const IDLE_SOCKET_MS = 4_000;

/**
 * One POST to a receiver. The connection goes only to an address the guard allows (its lookup is the
 * agent's, so the address checked is the one connected to), redirects are not followed (a 3xx is a
 * failed attempt: following it would reach an address nobody checked), the whole attempt is cut at
 * `timeoutMs`, and at most RESPONSE_HEAD_BYTES of the body are read before the socket is closed.
 *
 * Connections are kept alive between attempts (throughput: no TCP handshake per delivery). That does not
 * weaken the check: the guard's lookup runs whenever the agent opens a socket, so every new socket is
 * vetted, and a pooled socket stays connected to the address that was vetted when it was opened (a name
 * rebinding later changes nothing for it; the next new socket is checked against the new answer). A
 * socket is pooled only after its answer was read to the end; one cut short (timeout, endless body) is
 * destroyed.
 */
export class WebhookSender {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(
    private readonly guard: AddressGuard,
    private readonly timeoutMs: number,
  ) {
    const options = { lookup: guard.lookup, keepAlive: true, maxSockets: MAX_SOCKETS_PER_HOST, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
    this.httpAgent = new http.Agent(options);
    this.httpsAgent = new https.Agent(options);
  }

  async send(target: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = Date.now();
    const first = await this.attempt(target, headers, body, started);
    // A pooled socket the receiver closed just as it was reused: once more on a new (vetted) socket. The
    // receiver may have read the first request; the same webhook-id lets it tell (at least once).
    if (first.reusedSocketReset) return (await this.attempt(target, headers, body, started)).result;
    return first.result;
  }

  private attempt(target: string, headers: Record<string, string>, body: string, started: number): Promise<{ result: SendResult; reusedSocketReset: boolean }> {
    const result = (statusCode: number | null, error: string | null, head: Buffer | null): SendResult => ({
      statusCode,
      latencyMs: Date.now() - started,
      error,
      responseHead: head && head.length > 0 ? head.toString('utf8') : null,
    });
    const url = new URL(target);
    // A literal IP is connected to without a lookup: check it here.
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0) {
      const refusal = this.guard.refusal(literal);
      if (refusal) return Promise.resolve({ result: result(null, `refused: ${refusal}`, null), reusedSocketReset: false });
    }
    return new Promise((resolve) => {
      let settled = false;
      /** `keepSocket`: the answer was read to its end, so the socket may go back to the pool. */
      const finish = (value: SendResult, keepSocket = false, reusedSocketReset = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!keepSocket) request.destroy();
        resolve({ result: value, reusedSocketReset });
      };
      const request = (url.protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
        headers: { 'content-type': 'application/json', 'user-agent': 'Slipway-Webhooks/1', ...headers, 'content-length': String(Buffer.byteLength(body)) },
      });
      const timer = setTimeout(() => finish(result(null, `timed out after ${this.timeoutMs} ms`, null)), this.timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => {
        const reset = request.reusedSocket && !answered && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
        const message = error.name === 'RefusedAddressError' ? `refused: ${error.message}` : error.message;
        finish(result(null, message.slice(0, 500), null), false, reset);
      });
      let answered = false;
      request.on('response', (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        let kept = 0;
        const done = (complete: boolean) => finish(result(response.statusCode ?? null, null, Buffer.concat(chunks)), complete);
        response.on('data', (chunk: Buffer) => {
          const room = RESPONSE_HEAD_BYTES - kept;
          if (room > 0) {
            chunks.push(chunk.subarray(0, room));
            kept += Math.min(room, chunk.length);
          }
          // Enough read: the rest is not waited for (the socket is destroyed, not pooled).
          if (kept >= RESPONSE_HEAD_BYTES && !response.complete) done(false);
        });
        response.on('end', () => done(true));
        response.on('error', () => done(false));
      });
      request.end(body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
